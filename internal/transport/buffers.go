package transport

import (
	"bytes"
	"io"
	"sync"
)

// scratch holds the buffers an answer is read into and a text is
// lower-cased in for redaction, so that a call allocates the answer it
// keeps, at its size, rather than io.ReadAll's growing chunks and a
// lower-cased copy of every answer. A buffer grown past maxScratch (an
// answer with images) goes to the garbage collector instead of staying
// pooled.
var scratch = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxScratch is the largest buffer put back in scratch.
const maxScratch = 64 << 10

func getScratch() *bytes.Buffer {
	b := scratch.Get().(*bytes.Buffer)
	b.Reset()
	return b
}

func putScratch(b *bytes.Buffer) {
	if b.Cap() <= maxScratch {
		scratch.Put(b)
	}
}

// readBody reads r to its end, at most limit bytes, into a slice of the
// answer's size.
func readBody(r io.Reader, limit int64) ([]byte, error) {
	b := getScratch()
	defer putScratch(b)
	_, err := b.ReadFrom(io.LimitReader(r, limit))
	body := make([]byte, b.Len())
	copy(body, b.Bytes())
	return body, err
}
