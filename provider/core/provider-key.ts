/** The property key under which Pulumi stores the serialized provider; never part of a resource's inputs. */
export const PROVIDER_KEY = "__provider";
