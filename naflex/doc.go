// Package naflex implements the geometry of SigLIP 2's NaFlex variant as
// Hugging Face transformers' Siglip2ImageProcessor and Siglip2 vision
// embeddings compute it:
//
//   - TargetSize: the resize target for a patch budget
//     (get_image_size_for_max_num_patches, bit-exact float64 bisection);
//   - Patchify: row-major patches flattened (py, px, channel), zero-padded
//     to max_num_patches with a 0/1 attention mask;
//   - ResizePositions: the learned position grid resized like
//     F.interpolate(mode="bilinear", align_corners=False, antialias=True)
//     in float32 on CPU (PyTorch 1.13 arithmetic).
//
// It works on plain slices and imports nothing else of this project.
package naflex
