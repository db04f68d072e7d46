// Offline verification of a Fortress evidence export (CSV or JSON Lines):
//   npm run audit:verify -- <export file> [--public-key <pem file>]
// Checks the signed manifest, the hash chain between its signed ends, every checkpoint signature,
// and (CSV) that readable columns match the hashed data. Prints the first bad row; exit code 1 if any.
// Needs nothing but Node: no database, no settings, no network.
import { readFileSync } from "node:fs";
import { parseExport, verifyExport } from "../lib/audit/export-verify";

function main(argv: string[]): number {
  let file: string | undefined;
  let keyFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--public-key") keyFile = argv[++i];
    else if (argv[i] === "--help" || argv[i] === "-h") file = undefined;
    else file ??= argv[i];
  }
  if (!file) {
    console.error("usage: npm run audit:verify -- <export file> [--public-key <pem file>]");
    return 2;
  }
  const verdict = verifyExport(parseExport(readFileSync(file, "utf8")), {
    publicKeyPem: keyFile ? readFileSync(keyFile, "utf8") : undefined,
  });
  if (verdict.ok) {
    console.log(
      `OK: ${verdict.rows} rows (seq ${verdict.fromSeq}..${verdict.toSeq}) and ${verdict.checkpoints} signed checkpoints verified with key ${verdict.keyId}` +
        (verdict.keySource === "embedded" ? " (embedded in the export; pass --public-key to pin the key you trust)" : " (pinned)"),
    );
    return 0;
  }
  console.log(`FAILED: ${verdict.problem}${verdict.firstBadSeq !== null ? ` — first bad row: seq ${verdict.firstBadSeq}` : ""}${verdict.line ? ` (line ${verdict.line})` : ""}`);
  return 1;
}

process.exit(main(process.argv.slice(2)));
