/** Jest global setup: tests log nothing unless LOG_LEVEL asks for it. */
export default function globalSetup(): void {
  process.env.LOG_LEVEL ??= 'silent';
}
