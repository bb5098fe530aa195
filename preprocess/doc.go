// Package preprocess turns image files into the exact pixel tensors that
// Hugging Face transformers' slow (PIL-based) SiglipImageProcessor and
// Siglip2ImageProcessor produce.
//
// The pipeline HF runs is: PIL decode → convert("RGB") → Image.resize with
// the configured resample filter on 8-bit data → float32(u8 · rescale) →
// (x − mean) / std in float32. This package reproduces each step:
//
//   - Decode / Load: decoding with a pixel limit checked before the pixels
//     are decoded, EXIF orientation for JPEGs, and RGB conversion with PIL's
//     convert("RGB") semantics (alpha dropped, grey replicated, palette
//     expanded, 16-bit handled as Pillow 9.4 does).
//   - Resize: Pillow's two-pass fixed-point resampler, byte for byte.
//   - Normalize / ToCHW: rescale and normalise exactly as numpy does in HF.
//
// Images in memory are 8-bit RGB, height × width × channel, row-major.
package preprocess
