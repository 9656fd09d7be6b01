import type { Client } from "./api/client";

/** A Client for component tests: the methods given, and every other one failing loudly, so a
 * page calling what its test did not expect fails instead of hanging. */
export function fakeClient(methods: Partial<Client>): Client {
  return new Proxy(methods, {
    get(target, name: string) {
      if (name in target) return target[name as keyof Client];
      if (name === "then") return undefined; // not a promise
      return () => Promise.reject(new Error(`unexpected call to client.${name}`));
    },
  }) as Client;
}
