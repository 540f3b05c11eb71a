// Loaded with `node --import` (NODE_OPTIONS refuses --cpu-prof): profiles the whole process and
// writes a .cpuprofile (open in Chrome DevTools or speedscope) into CPU_PROFILE_DIR when it exits.
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const session = new Session();
session.connect();
session.post('Profiler.enable');
session.post('Profiler.setSamplingInterval', { interval: 1000 });
session.post('Profiler.start');
process.on('exit', () => {
  // In-thread sessions answer synchronously: the profile is written before the process is gone.
  session.post('Profiler.stop', (err, result) => {
    if (!err) writeFileSync(join(process.env.CPU_PROFILE_DIR ?? '.', `worker-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
  });
});
