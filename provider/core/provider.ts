/* eslint-disable @typescript-eslint/no-require-imports */
import type * as pulumi from "@pulumi/pulumi";
import type * as Dispatch from "./dispatch";

/**
 * The dynamic provider for one resource kind. Pulumi serializes this object into every resource's `__provider`
 * input by walking its methods' closures, and runs the text in a separate process. So the methods capture ONLY
 * the string `implModule` and reach all code through `require(<package path>)` at call time, which Node resolves
 * from the provider process's working directory (the Pulumi program's folder, whose node_modules holds
 * pulumi-xen-ha). See docs/serialization.md.
 *
 * @param kind        the resource's folder under provider/resources, e.g. "nfs-export"
 * @param implModule  the module exporting `impl`; default `pulumi-xen-ha/resources/<kind>/impl`. Tests point
 *                    this at test-only resources reachable by package name.
 *
 * Create ONE provider per resource class (module level): serialization is cached per provider object.
 */
export function makeProvider(kind: string, implModule: string = `pulumi-xen-ha/resources/${kind}/impl`): pulumi.dynamic.ResourceProvider {
  const impl = implModule;
  return {
    async configure(req) {
      const core: typeof Dispatch = require("pulumi-xen-ha/core/dispatch");
      await core.configure(require(impl), req);
    },
    async check(olds, news) {
      const core: typeof Dispatch = require("pulumi-xen-ha/core/dispatch");
      return core.check(require(impl), olds, news);
    },
    async diff(id, olds, news) {
      const core: typeof Dispatch = require("pulumi-xen-ha/core/dispatch");
      return core.diff(require(impl), id, olds, news);
    },
    async create(inputs) {
      const core: typeof Dispatch = require("pulumi-xen-ha/core/dispatch");
      return core.create(require(impl), inputs);
    },
    async read(id, props) {
      const core: typeof Dispatch = require("pulumi-xen-ha/core/dispatch");
      return core.read(require(impl), id, props ?? {});
    },
    async update(id, olds, news) {
      const core: typeof Dispatch = require("pulumi-xen-ha/core/dispatch");
      return core.update(require(impl), id, olds, news);
    },
    async delete(id, props) {
      const core: typeof Dispatch = require("pulumi-xen-ha/core/dispatch");
      await core.remove(require(impl), id, props);
    },
  };
}
