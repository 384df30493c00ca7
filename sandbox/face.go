package sandbox

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"net/http"
)

// facePath is where the sandbox serves the captured face of every session.
const facePath = "/sandbox/face.jpg"

// sandboxJPEG is the captured face of every sandbox session: a small,
// valid JPEG drawn at start-up.
var sandboxJPEG = func() []byte {
	img := image.NewGray(image.Rect(0, 0, 32, 32))
	for y := 0; y < 32; y++ {
		for x := 0; x < 32; x++ {
			dx, dy := x-16, y-16
			if dx*dx+dy*dy < 196 {
				img.SetGray(x, y, color.Gray{Y: 200})
			}
		}
	}
	var buf bytes.Buffer
	_ = jpeg.Encode(&buf, img, nil)
	return buf.Bytes()
}()

// SampleFaceJPEG returns a small valid JPEG to use as a reference image
// (SessionRequest.ReferenceImages) against the sandbox. It is also the
// captured face of every sandbox session, the image plug-ins answer with
// ([Host.FaceJPEG], [Host.FaceURL]).
func SampleFaceJPEG() []byte { return bytes.Clone(sandboxJPEG) }

// serveFace serves the captured face of every session at facePath.
func serveFace(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "image/jpeg")
	_, _ = w.Write(sandboxJPEG)
}

// FaceJPEG is the captured face of every sandbox session, for a plug-in
// whose answers carry the image itself. The caller must not modify it.
func (h *Host) FaceJPEG() []byte { return sandboxJPEG }

// FaceURL is the URL the sandbox serves the captured face of every session
// at, reached for r: for a plug-in whose answers carry an image URL.
func (h *Host) FaceURL(r *http.Request) string { return h.s.baseURL(r) + facePath }
