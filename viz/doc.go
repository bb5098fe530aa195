// Package viz turns what the SigLIP 2 engine captured into numbers and
// pictures a person can read: patch-similarity maps, attention rows, pooling
// attention, attention rollout and a PCA of patch features; colormaps and
// normalisation; heatmaps blended over the image; PNG and JSON export; and
// terminal output (half-block cells in truecolor, 256 colours or none, a
// colour bar, and encoders for the kitty, iTerm2 and sixel graphics
// protocols).
//
// Everything here is a pure function or a small value type: plain slices
// ([T][D] row-major float32 hidden states, [H][T][T] attention
// probabilities, [H][T] pooling attention) and images go in, slices,
// images and strings come out. Nothing here reads files, talks to a
// terminal or keeps global state, so the TUI and the CLI can share it and
// tests can check it against naive computations.
//
// Token conventions. Patch tokens are in row-major grid order
// (gridH×gridW). NaFlex inputs may carry trailing padding tokens beyond
// gridH·gridW; every function takes the number of valid tokens and ignores
// the rest, and every map it returns has exactly that many values.
//
// Bad input (wrong lengths, out-of-range indices, empty grids) returns an
// error that says what was wrong; nothing here panics on user data.
//
// viz must never import engine, tui or any other package of this module:
// the engine produces the tensors, the TUI decides what to show, and viz
// only converts between the two.
package viz
