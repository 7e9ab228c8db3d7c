/**
 * What the trust's forced command prints when its key is used for anything but `xl migrate-receive`. Seeing it
 * proves the login itself works (key accepted, from= matched), which is all a preflight can ask of a key that
 * may run nothing else.
 */
export const FORCED_COMMAND_REFUSAL = "xen-ha: this key may only run xl migrate-receive";
