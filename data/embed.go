// Package data embeds the source documents and the curated graph, so the
// digidip binary carries the data it serves.
package data

import (
	"embed"
	"io/fs"
)

//go:embed sources graph
var files embed.FS

// FS is the embedded data: sources/ and graph/.
func FS() fs.FS { return files }
