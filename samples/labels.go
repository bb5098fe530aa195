package samples

// labels are "a/an {colour} {shape}" for the 7 colours and 5 shapes the toy
// models were trained on, in tools/toymodel/scenes.py's order.
var labels = func() []string {
	colours := []string{"red", "orange", "yellow", "green", "blue", "purple", "white"}
	shapes := []string{"circle", "square", "triangle", "star", "cross"}
	var out []string
	for _, c := range colours {
		article := "a"
		if c == "orange" {
			article = "an"
		}
		for _, s := range shapes {
			out = append(out, article+" "+c+" "+s)
		}
	}
	return out
}()
