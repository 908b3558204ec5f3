// How the browser suites run yasno: the binary in $YASNO (tests/run-all.sh passes the one
// `cargo test` built: a `cargo run` there would compile much of the tree again, as
// dev-dependencies change the features of shared crates), else `cargo run`.

/** The command and arguments that run `yasno <args>`. */
export function yasnoCommand(args) {
  return process.env.YASNO
    ? [process.env.YASNO, args]
    : ["cargo", ["run", "--quiet", "--", ...args]];
}
