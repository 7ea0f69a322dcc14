// chromium.mjs - headless Chromium for the browser tests (playwright-core).
// ../shared/docs/toolchain.md: WebGPU needs --enable-unsafe-webgpu in headless
// Chromium (the adapter is then SwiftShader); the other flags keep it quiet and
// offline. Playwright adds --headless and a fresh --user-data-dir.
const QUIET_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--no-first-run'];

// chromium: playwright-core's `chromium`; executablePath: the browser binary;
// webgpu: turn WebGPU on (and use /tmp instead of a small /dev/shm).
export function launchChromium(chromium, executablePath, { webgpu = false } = {}) {
  const args = webgpu ? ['--enable-unsafe-webgpu', ...QUIET_ARGS, '--disable-dev-shm-usage'] : QUIET_ARGS;
  return chromium.launch({ executablePath, headless: true, args });
}
