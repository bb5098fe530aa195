// Package tui is the interactive explorer of SigLIP 2's internals: a
// Bubble Tea program that shows an image with a heatmap of what the model
// computed over its patches (patch similarity, attention, label maps, PCA)
// and lets a person move a cursor over the patches, step through layers and
// heads, edit text labels and export what they see.
//
// The package only asks and draws. The engine runs the model and captures
// its internals; viz turns those tensors into maps and pictures. Maps
// (maps.go) is the one place that knows which captured tensor each view
// reads, shared with the headless heatmap command; Export (export.go)
// writes what a view shows as PNG and JSON. Everything slow (loading
// weights, the forward pass, label encoding, rollout, PCA, exports) runs
// in tea.Cmds off the UI loop and comes back as messages; Update only moves
// state and reads cached results.
//
// Layout of the package: app.go is the root model, composed of the image
// pane (imagepane.go), the side panel (sidepanel.go), the label list
// (labellist.go), the status bar (statusbar.go), the loading progress
// (loading.go) and the help screen (helpview.go), which share one context
// (context.go: sizes, colour mode, styles). keys.go holds the key map.
// graphics.go paints kitty, iTerm2 and sixel images beside Bubble Tea's
// renderer, which cannot carry them.
//
// tui imports engine, viz and preprocess (for the image type the engine
// takes); it must never import the main package or the hub client.
package tui
