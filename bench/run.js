// How each benchmark starts: `node bench/x.js` runs main(), which may start copies of itself
// as `node bench/x.js --child …` (a fresh process, so one measurement's heap is not another's).
// A failure prints and exits 1.
function run({ main, child }) {
  const task = process.argv[2] === '--child' ? child(process.argv.slice(3)) : main();
  task.catch((err) => {
    console.error(err);
    process.exit(1);
  });
}

module.exports = { run };
