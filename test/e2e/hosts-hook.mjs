// Preloaded into test server processes (node --import): resolves the test's
// hostnames (PICTOR_TEST_HOSTS="a.test=127.0.0.2,b.test=127.0.0.3") to their
// loopback addresses without touching /etc/hosts. Node's fetch, https and net
// all resolve through dns.lookup.
import dns from "node:dns";

const map = new Map(
  (process.env.PICTOR_TEST_HOSTS ?? "")
    .split(",")
    .filter(Boolean)
    .map((pair) => pair.split("=").map((s) => s.trim().toLowerCase())),
);

const original = dns.lookup;
dns.lookup = function lookup(hostname, options, callback) {
  if (typeof options === "function") {
    callback = options;
    options = {};
  }
  const address = map.get(String(hostname).toLowerCase());
  if (!address) return original.call(this, hostname, options, callback);
  const opts = typeof options === "number" ? { family: options } : (options ?? {});
  if (opts.all) process.nextTick(callback, null, [{ address, family: 4 }]);
  else process.nextTick(callback, null, address, 4);
};

const originalPromise = dns.promises.lookup;
dns.promises.lookup = async function lookup(hostname, options) {
  const address = map.get(String(hostname).toLowerCase());
  if (!address) return originalPromise.call(this, hostname, options);
  return options?.all ? [{ address, family: 4 }] : { address, family: 4 };
};
