// The registry: turns an org's KeyProviderConfig into a KeyProvider. The vault core never names a
// provider class anywhere else.
import { KeyProviderError, type KeyProvider, type KeyProviderConfig, type KeyProviderKind } from "../key-provider";
import { serviceKeyring } from "../service-keys";
import { buildCustomerKeyProvider } from "./customer";
import { LocalKeyProvider } from "./local";

type Factory = (config: KeyProviderConfig) => KeyProvider;

let local: LocalKeyProvider | undefined;

/** The local provider over the process-wide service keyring. */
export function localKeyProvider(): LocalKeyProvider {
  local ??= new LocalKeyProvider(serviceKeyring());
  return local;
}

const FACTORIES: Partial<Record<KeyProviderKind, Factory>> = {
  local: () => localKeyProvider(),
  // Customer keys (lib/vault/providers/customer.ts): Bank aws_kms / vault_transit, Zero Trust xks.
  aws_kms: buildCustomerKeyProvider,
  vault_transit: buildCustomerKeyProvider,
  xks: buildCustomerKeyProvider,
};

const testFactories = new Map<KeyProviderKind, Factory>();

/**
 * Tests put a provider speaking to a local fake (test/fakes/) or a fault-injecting one in place of a
 * kind. Production never calls this.
 */
export function setKeyProviderFactoryForTests(kind: KeyProviderKind, factory: Factory | undefined): void {
  if (factory) testFactories.set(kind, factory);
  else testFactories.delete(kind);
}

export function buildKeyProvider(config: KeyProviderConfig): KeyProvider {
  const factory = testFactories.get(config.kind) ?? FACTORIES[config.kind];
  if (!factory) throw new KeyProviderError("misconfigured", `Key provider "${config.kind}" is not available in this build`);
  return factory(config);
}

export { ZCustomerKeyProviderConfig, ZKeyProviderConfig, publicCustomerKeyProviderConfig, buildCustomerKeyProvider } from "./customer";
