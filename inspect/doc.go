// Package inspect holds every analysis a view of siglip2-tui shows, as
// plain functions and types over an engine.Analysis, and their export to
// PNG and JSON: the heatmaps (similarity, attention, pooling, rollout,
// label map, PCA: maps.go), the locality report and its lesson
// (locality.go, localityexport.go, lesson.go), comparisons of settings
// (compare.go), what SigLIP 2's training objectives ask of the patch
// features — global–local, masked context, correspondence — with their
// JSON, pictures and lesson (trained*.go, globallocal.go, context.go,
// correspond.go) and the exported picture of one view (export.go).
//
// The explorer (package tui) and the headless commands (heatmap,
// locality --json, compare --json) both call it, so a script that only
// wants a map never links the terminal user interface.
//
// inspect imports engine, viz and preprocess; it must never import tui,
// Bubble Tea, the CLI or the hub client.
package inspect
