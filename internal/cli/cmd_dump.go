package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/siglip2-tui/siglip2-tui/internal/inputfile"
	"github.com/siglip2-tui/siglip2-tui/internal/outfile"
	"github.com/siglip2-tui/siglip2-tui/preprocess"
	"io"

	"github.com/siglip2-tui/siglip2-tui/engine"
	"github.com/siglip2-tui/siglip2-tui/engine/safetensors"
)

// cmdDump writes every tensor of a forward pass for comparison with Hugging
// Face transformers in Python.
var cmdDump = command{
	name:    "dump",
	summary: "run images (and token ids) through the model and save every tensor as safetensors",
	run:     runDump,
}

const dumpHelp = `Usage: siglip2-tui dump --model ID|DIR [--max-patches N] [--input-ids FILE.json] -o OUT.safetensors IMAGE...

Runs the images through the vision tower as one batch, in the order given, and
(with --input-ids) the token rows through the text tower, and writes every
tensor under the names Hugging Face's outputs use, so the result can be held
against transformers in Python:

  inputs.pixel_values, inputs.pixel_attention_mask, inputs.spatial_shapes (NaFlex),
  inputs.resized_u8.I, inputs.input_ids,
  vision.hidden_states.L, vision.attentions.L, vision.last_hidden_state,
  vision.pooler_output, vision.pos_embed_resized.I (NaFlex),
  text.hidden_states.L, text.attentions.L, text.last_hidden_state, text.pooler_output,
  image_embeds, text_embeds, logits_per_image, logits_per_text, probs_per_image

Read it in Python with safetensors.torch.load_file(OUT).

Examples:
  siglip2-tui dump --model google/siglip2-base-patch16-224 -o out.safetensors cat.jpg dog.jpg
  siglip2-tui tokenize --model DIR "a cat" | jq -c '[.input_ids]' > ids.json
  siglip2-tui dump --model DIR --input-ids ids.json -o out.safetensors cat.jpg

Flags:
`

func runDump(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("dump", dumpHelp, stderr)
	var src sourceFlags
	src.registerModel(fs)
	idsFile := fs.String("input-ids", "", "JSON file with an array of token-id rows, used verbatim for the text tower")
	out := fs.String("o", "", "output .safetensors file (required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := src.check(); err != nil {
		return err
	}
	if *out == "" {
		return usageErrorf("-o OUT.safetensors is required")
	}
	if fs.NArg() == 0 {
		return usageErrorf("give at least one IMAGE")
	}
	if err := outfile.CheckDistinct(append([]string{*idsFile}, fs.Args()...), []string{*out}); err != nil {
		return usageErrorf("%v", err)
	}
	var ids [][]int
	if *idsFile != "" {
		var err error
		if ids, err = readInputIDs(*idsFile); err != nil {
			return err
		}
	}
	if err := lateFlags(fs.Args()); err != nil {
		return err
	}
	var loaders []func() (*preprocess.Image, error)
	for _, path := range fs.Args() { // fail on a mistyped image before any download
		_, load, err := src.imageArg(path)
		if err != nil {
			return err
		}
		loaders = append(loaders, load)
	}
	m, err := src.loadModel(ctx, stderr)
	if err != nil {
		return err
	}
	defer m.Close()

	var prepared []*engine.PreparedImage
	var inputs []engine.VisionInput
	for i, path := range fs.Args() {
		img, err := loaders[i]()
		if err != nil {
			return err
		}
		p, err := m.Prepare(img, src.maxPatches)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		prepared = append(prepared, p)
		inputs = append(inputs, p.Input)
	}
	vis, err := m.EncodeImages(ctx, inputs, true)
	if err != nil {
		return err
	}
	// A NaN or an infinity is dumped as it is (the file is for comparing
	// numbers), and said on stderr with where it first appeared.
	if err := m.CheckVision(ctx, inputs, vis); err != nil {
		fmt.Fprintf(stderr, "siglip2-tui dump: warning: %v\n", err)
	}
	var txt *engine.TextOutput
	if ids != nil {
		if txt, err = m.EncodeTexts(ctx, ids, true); err != nil {
			return err
		}
		if err := m.CheckText(txt); err != nil {
			fmt.Fprintf(stderr, "siglip2-tui dump: warning: %v\n", err)
		}
	}
	tensors, err := m.DumpTensors(prepared, vis, ids, txt)
	if err != nil {
		return err
	}
	meta := map[string]string{"producer": "siglip2-tui dump", "model": m.Dir, "backend": m.Backend().Name()}
	if err := outfile.Write(*out, func(w io.Writer) error { return safetensors.Write(w, tensors, meta) }); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %d tensors to %s\n", len(tensors), *out)
	return nil
}

// readInputIDs reads a JSON array of token-id rows.
func readInputIDs(path string) ([][]int, error) {
	data, err := inputfile.ReadFile(path, inputfile.ListLimit)
	if err != nil {
		return nil, fmt.Errorf("--input-ids: %w", err)
	}
	var ids [][]int
	if err := json.Unmarshal(data, &ids); err != nil {
		return nil, fmt.Errorf("%s: want a JSON array of arrays of token ids: %w", path, err)
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("%s: no token rows", path)
	}
	return ids, nil
}
