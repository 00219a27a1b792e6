// Preloaded into each measured process (`node --require`): at exit, appends the process's peak
// RSS (VmHWM, KiB) to the file named by NNC_BENCH_RSS_FILE. Preloaded into the `node -e 0`
// baseline too, so its small cost cancels out.
const { appendFileSync, readFileSync } = require('node:fs');

process.on('exit', () => {
  const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
  appendFileSync(process.env.NNC_BENCH_RSS_FILE, `${m ? m[1] : process.resourceUsage().maxRSS}\n`);
});
