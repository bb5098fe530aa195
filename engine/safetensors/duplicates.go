package safetensors

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// checkDuplicateKeys reports the first object key that appears twice in
// one object, at any depth, of a JSON header already known to be valid.
func checkDuplicateKeys(doc []byte) error {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	// One frame per open object or array: the object's keys so far (nil
	// for an array) and whether its next token is a key.
	type frame struct {
		keys      map[string]bool
		expectKey bool
	}
	var stack []frame
	current := "" // the top-level key (tensor name) being read
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if key, isKey := tok.(string); isKey && len(stack) > 0 && stack[len(stack)-1].keys != nil && stack[len(stack)-1].expectKey {
			top := len(stack) - 1
			if stack[top].keys[key] {
				if top == 0 {
					return fmt.Errorf("%q appears twice (the last copy would silently replace the first)", key)
				}
				return fmt.Errorf("the entry of %q has the key %q twice", current, key)
			}
			stack[top].keys[key] = true
			stack[top].expectKey = false
			if top == 0 {
				current = key
			}
			continue
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, frame{keys: map[string]bool{}, expectKey: true})
			continue
		case json.Delim('['):
			stack = append(stack, frame{})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		// A complete value: the enclosing object expects a key next.
		if top := len(stack) - 1; top >= 0 && stack[top].keys != nil {
			stack[top].expectKey = true
		}
	}
}
