export { connectionSchema, parseConnection, connectionLabel, type Connection, type ConnectionInput } from "./connection";
export {
  ExecError, ExecTimeoutError, ExecOutputLimitError, SshConnectionError, DEFAULT_EXEC_TIMEOUT_MS,
  type ExecOptions, type ExecResult, type RemoteHost, type RemoteProcess,
} from "./remote-host";
export { quoteArgv, quoteWord, scriptArgv } from "./quote";
export { fingerprint } from "./host-key";
// The pool is not re-exported: providers must reach it as require("pulumi-xen-ha/ssh/pool") (see pool.ts).
