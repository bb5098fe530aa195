package tokenizer

import (
	"os"
	"testing"
	"time"
)

// BenchmarkLoadJSON measures loading the real 256 000-token tokenizer.json
// from disk (target: ≤ 300 ms).
func BenchmarkLoadJSON(b *testing.B) {
	if _, err := os.Stat(realTokenizerPath); err != nil {
		missingTestData(b, realTokenizerPath)
	}
	cpu := processCPU()
	for b.Loop() {
		if _, err := Load(realTokenizerPath); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu)
}

// reportCPU adds the process CPU time per operation (all threads, GC
// included) since start as the metric cpu-ms/op.
func reportCPU(b *testing.B, start time.Duration) {
	if start > 0 {
		b.ReportMetric(float64(processCPU()-start)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
	}
}

// BenchmarkEncode100Labels measures framing 100 typical label prompts for
// SigLIP 2 (target: ≤ 5 ms per 100).
func BenchmarkEncode100Labels(b *testing.B) {
	tok := realTokenizer(b)
	var prompts []string
	for _, l := range benchLabels {
		p, err := Prompt(l, DefaultTemplate, true)
		if err != nil {
			b.Fatal(err)
		}
		prompts = append(prompts, p)
	}
	if len(prompts) != 100 {
		b.Fatalf("%d labels, want 100", len(prompts))
	}
	cpu := processCPU()
	defer reportCPU(b, cpu)
	for b.Loop() {
		for _, p := range prompts {
			if _, err := tok.EncodeSigLIP(p, SigLIP2Length); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// benchLabels are 100 typical zero-shot labels.
var benchLabels = []string{
	"cat", "dog", "a red car", "two cats sleeping on a sofa", "airplane", "a bowl of ramen",
	"golden retriever puppy", "snow-covered mountain", "city skyline at night", "a person riding a bicycle",
	"sunflower field", "Eiffel Tower", "hot air balloon", "a plate of sushi", "electric guitar",
	"vintage typewriter", "a cup of coffee", "the Golden Gate Bridge", "tropical beach with palm trees", "a zebra",
	"black-and-white photograph", "an oil painting", "a cartoon drawing", "a blurry photo", "a close-up of a flower",
	"fire truck", "school bus", "a laptop on a desk", "a smartphone", "a wristwatch",
	"chocolate cake", "pepperoni pizza", "a glass of red wine", "fresh strawberries", "a croissant",
	"a soccer ball", "tennis racket", "a basketball game", "skateboarder doing a trick", "surfer on a wave",
	"a lighthouse", "an old castle", "a wooden bridge", "a waterfall in the forest", "desert dunes",
	"an owl", "a parrot", "a goldfish", "a jellyfish", "a tiger in the grass",
	"a diagram", "a screenshot of a website", "handwritten notes", "a street sign", "a map",
	"a bride and groom", "a crowd at a concert", "a chef cooking", "a doctor", "children playing",
	"autumn leaves", "a rainbow", "lightning storm", "the moon", "a starry sky",
	"a steam locomotive", "a sailboat", "a helicopter", "a motorcycle", "a tractor",
	"Mount Fuji", "the Taj Mahal", "Big Ben", "the Great Wall of China", "Times Square",
	"a teddy bear", "lego bricks", "a chess board", "a violin", "a piano keyboard",
	"an X-ray image", "a microscope slide", "a satellite image", "a heat map", "a bar chart",
	"a stop sign", "traffic lights", "a parking lot", "a gas station", "a subway train",
	"bread", "cheese", "apples and oranges", "a hamburger with fries", "ice cream cone",
	"a kitten playing with yarn", "a horse in a field", "cows grazing", "a flock of sheep", "a panda eating bamboo",
}
