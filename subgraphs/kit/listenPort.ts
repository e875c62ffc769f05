/**
 * Read a listening port from the environment, failing fast with the key's name when it is not a
 * valid port (STYLE.md: misconfiguration names the key and the contract).
 */
export function listenPort(envKey: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[envKey];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`${envKey} must be a TCP port from 0 to 65535 (got '${raw}')`);
  }
  return port;
}
