// Package hub downloads files from a Hugging Face hub and keeps them in the
// same on-disk cache that Python's huggingface_hub uses, so that a model
// fetched by either program is found by the other.
//
// The cache layout (under HF_HUB_CACHE, see ConfigFromEnv) is
//
//	models--org--name/
//	    blobs/<etag>                  file contents, named by ETag (sha256 for LFS files, git sha1 otherwise)
//	    snapshots/<commit>/<file>     relative symlinks into blobs (copies where symlinks are impossible)
//	    refs/<revision>               the commit hash a branch or tag pointed to when last seen
//	    .no_exist/<commit>/<file>     empty files recording that <file> does not exist at <commit>
//	.locks/models--org--name/<etag>.lock
//
// Downloads follow the hub's protocol: a HEAD on
// {endpoint}/{repo}/resolve/{revision}/{file} gives the commit (X-Repo-Commit),
// the content's ETag (X-Linked-Etag or ETag) and size (X-Linked-Size or
// Content-Length), and, for large files, a redirect to a content delivery host
// that is sent no Authorization header. Partial downloads are kept as
// blobs/<etag>.incomplete and resumed with a Range request; LFS files are
// checked against their sha256 before they are renamed into blobs/.
//
// The package knows nothing about models: callers say which files they need.
package hub
