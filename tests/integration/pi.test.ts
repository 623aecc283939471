// The Pi extension on Pi 0.74, the last Pi line that runs on Node 20 (no project trust there).
import { definePiSuite } from '../pi-suite.js';
import { PI_LINES } from '../runtimes.js';

definePiSuite(PI_LINES.find((line) => line.line === '0.74')!);
