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
// Layout of the package: app.go is the root model (state and Update) and
// commands.go the commands it runs. The screen is composed in view.go from
// the header and layout (layout.go), the image pane (imagepane.go), the
// side panel (sidepanel.go) with the label list (labellist.go,
// lineinput.go), the status lines (statusbar.go), the loading progress
// (loading.go) and the help screen (helpview.go). They share one context
// (context.go: Config, sizes, colour mode, styles.go, the key map in
// keys.go). graphics.go paints kitty, iTerm2 and sixel pictures beside
// Bubble Tea's renderer, which cannot carry them; run.go starts it all.
//
// The locality view (5) lives in locality.go (the numbers: LocalityJob,
// LocalityReport), localityview.go (drawing and keys), lesson.go (the
// guided lesson) and localityexport.go (PNG, JSON, CSV). The compare
// screen is a second Bubble Tea model, CompareModel: compare.go (state,
// commands behind one gate, keys), comparelayout.go (the pane grid),
// compareview.go (drawing, the label table), compareexport.go (the one-PNG
// export, JSON and the headless run) and comparerun.go. Both reuse the
// explorer's maps, image pane, tab bar, styles, keys and help screen.
//
// tui imports engine, viz and preprocess (for the image type the engine
// takes); it must never import the main package or the hub client.
package tui
