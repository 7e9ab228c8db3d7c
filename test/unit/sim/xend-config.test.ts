import { readXendConfig, XendConfigError } from "../../../lab/sim/xend-config";
import { SxpParseError } from "../../../lab/sim/sxp";
import { compileHostsAllow, fqdnFromHosts, hostAllowed } from "../../../lab/sim/hosts-allow";
import { sample } from "./samples";

describe("xend-config.sxp as xend reads it", () => {
  test("upstream 4.1 default: relocation on, port 8002, all addresses, localhost only", () => {
    const o = readXendConfig(sample("xend-config/xend-config.sxp.xen-4.1.6.1"));
    expect(o.relocationServer).toBe(true);
    expect(o.relocationPort).toBe(8002);
    expect(o.relocationAddress).toBe("");
    expect(o.relocationHostsAllow).toBe("^localhost$ ^localhost\\.localdomain$");
    expect(o.dom0MinMem).toBe(196);
  });
  test("built-in defaults when keys are absent (RHEL-style file with the server off)", () => {
    const o = readXendConfig("#(xend-relocation-server no)\n(network-script network-bridge)\n");
    expect(o).toMatchObject({ relocationServer: false, relocationPort: 8002, relocationAddress: "", relocationHostsAllow: "",
      relocationSslServer: false, relocationSslPort: 8003, relocationSsl: false });
    expect(readXendConfig(null).relocationServer).toBe(false);
  });
  test("the first active entry wins", () => {
    expect(readXendConfig("(xend-relocation-server no)\n(xend-relocation-server yes)").relocationServer).toBe(false);
    expect(readXendConfig("(xend-relocation-port 8002)\n(xend-relocation-port 9000)").relocationPort).toBe(8002);
  });
  test.each(["yes", "y", "1", "on", "true", "t", "YES", "On"])("true word %s", (w) => {
    expect(readXendConfig(`(xend-relocation-server ${w})`).relocationServer).toBe(true);
  });
  test.each(["no", "n", "0", "off", "false", "f"])("false word %s", (w) => {
    expect(readXendConfig(`(xend-relocation-server ${w})`).relocationServer).toBe(false);
  });
  test("any other boolean word stops xend with the real message", () => {
    expect(() => readXendConfig("(xend-relocation-server enabled)")).toThrow(
      new XendConfigError("invalid xend config xend-relocation-server: expected bool: enabled"));
    expect(() => readXendConfig("(xend-relocation-port eighty)")).toThrow(
      new XendConfigError("invalid xend config xend-relocation-port: expected int: eighty"));
  });
  test("an unbalanced file is a parse error", () => {
    expect(() => readXendConfig("(xend-relocation-server yes")).toThrow(SxpParseError);
  });
  test("relative SSL key paths get /etc/xen/ prepended", () => {
    const o = readXendConfig("(xend-relocation-server-ssl-key-file xmlrpc.key)(xend-relocation-server-ssl-cert-file /x/c.crt)");
    expect(o.relocationSslKeyFile).toBe("/etc/xen/xmlrpc.key");
    expect(o.relocationSslCertFile).toBe("/x/c.crt");
  });
});

describe("hosts-allow matching", () => {
  test("'' allows everyone", () => {
    expect(hostAllowed(compileHostsAllow(""), "198.18.0.11", "198.18.0.11")).toBe(true);
  });
  test("upstream default allows only localhost", () => {
    const a = compileHostsAllow("^localhost$ ^localhost\\.localdomain$");
    expect(hostAllowed(a, "127.0.0.1", "localhost")).toBe(true);
    expect(hostAllowed(a, "198.18.0.11", "node1")).toBe(false);
  });
  test("patterns match at the start only, against FQDN or IP", () => {
    const a = compileHostsAllow("198\\.18\\.0\\.1");
    expect(hostAllowed(a, "198.18.0.11", "x")).toBe(true); // prefix match, like re.match
    expect(hostAllowed(a, "10.198.18.0.1", "x")).toBe(false);
    expect(hostAllowed(compileHostsAllow("node"), "198.18.0.11", "node1.lab")).toBe(true);
  });
  test("a double space makes an empty pattern that matches everyone", () => {
    expect(hostAllowed(compileHostsAllow("^nomatch$  ^other$"), "198.18.0.11", "n1")).toBe(true);
  });
  test("fqdn from /etc/hosts prefers a dotted name, else the address", () => {
    const hosts = "127.0.0.1 localhost\n198.18.0.11 node1 node1.lab.example # x\n";
    expect(fqdnFromHosts(hosts, "198.18.0.11")).toBe("node1.lab.example");
    expect(fqdnFromHosts(hosts, "127.0.0.1")).toBe("localhost");
    expect(fqdnFromHosts(hosts, "198.18.0.99")).toBe("198.18.0.99");
  });
});
