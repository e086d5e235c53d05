// `node --import bench/lib/maxrss.mjs ...` writes the process's peak resident set size (KiB) to $KDIAG_MAXRSS_FILE
// when it exits, so a benchmark can report a child's peak memory without external tools.
import { writeFileSync } from 'node:fs';

const file = process.env.KDIAG_MAXRSS_FILE;
if (file) process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS)));
