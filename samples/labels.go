package samples

import "strings"

// The colours and shapes the toy models were trained on, in
// tools/toymodel/scenes.py's order.
var (
	colourNames = []string{"red", "orange", "yellow", "green", "blue", "purple", "white"}
	shapeNames  = []string{"circle", "square", "triangle", "star", "cross"}
)

// labels are "a/an {colour} {shape}" for every colour and shape.
var labels = func() []string {
	var out []string
	for _, c := range colourNames {
		for _, s := range shapeNames {
			out = append(out, withArticle(c+" "+s))
		}
	}
	return out
}()

// withArticle puts "a" or "an" before a noun phrase, as the captions do.
func withArticle(phrase string) string {
	if strings.IndexAny(phrase[:1], "aeiou") == 0 {
		return "an " + phrase
	}
	return "a " + phrase
}
