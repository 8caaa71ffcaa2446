import { readRowsSuite } from "../support/database-reads.ts";
import { scratchMariadb } from "../support/scratch-database.ts";

const scratch = scratchMariadb("test_database_reads");

readRowsSuite("MariaDB", scratch.open, scratch.drop);
