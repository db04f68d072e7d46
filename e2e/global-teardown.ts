// Removes the run's temporary data folder (embedded database, generated keys) once the suite is done.
import { rmSync } from "node:fs";
import os from "node:os";

export default function teardown(): void {
  const dir = process.env.FORTRESS_E2E_DATA_DIR;
  if (dir && dir.startsWith(os.tmpdir())) rmSync(dir, { recursive: true, force: true });
}
