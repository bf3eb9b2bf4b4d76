// better-sqlite3's Database class from its own file (lib/database.js), which the bundle takes in (sqlite.ts).
declare module 'better-sqlite3/lib/database.js' {
  import Database from 'better-sqlite3';
  export default Database;
}
