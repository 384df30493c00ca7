package megviisim

import (
	"net/http"
)

// megviiTokenFields are the get_token text fields the handler reads.
var megviiTokenFields = [...]string{
	"api_key", "api_secret", "return_url", "notify_url", "biz_no", "comparison_type", "uuid",
	"biz_extra_data", "procedure_type", "maximum_shooting_time", "action_http_method", "get_fail_reason",
	"scene_id", "procedure_priority",
}

// megviiImageFields are the reference image file fields.
var megviiImageFields = [...]string{"image_ref1", "image_ref2"}

// megviiTokenForm is get_token's multipart body as the handler reads it:
// the first value of each text field it checks and the start of each
// reference image.
type megviiTokenForm struct {
	values [len(megviiTokenFields)]string
	images [len(megviiImageFields)]megviiImage
}

// megviiImage is a reference image part: present when the body has a file
// part of that name; head its first 512 bytes (fewer when shorter); size
// its length in bytes; bad when the stored file could not be opened.
type megviiImage struct {
	present bool
	bad     bool
	head    []byte
	size    int64
}

// get returns the first value of text field k ("" when absent); k is one
// of megviiTokenFields.
func (f *megviiTokenForm) get(k string) string {
	for i, name := range megviiTokenFields {
		if name == k {
			return f.values[i]
		}
	}
	return ""
}

// image returns reference image k (one of megviiImageFields).
func (f *megviiTokenForm) image(k string) *megviiImage {
	for i, name := range megviiImageFields {
		if name == k {
			return &f.images[i]
		}
	}
	return &megviiImage{}
}

const (
	// megviiFormMemory is get_token's ParseMultipartForm memory: files
	// beyond it go to temporary files, which the server removes after
	// the handler.
	megviiFormMemory = 8 << 20
	// megviiImageHead is how much of an image DetectContentType looks at.
	megviiImageHead = 512
)

// readMegviiTokenForm reads get_token's body with r.ParseMultipartForm;
// false when that fails (a body that is not multipart/form-data among
// others).
func readMegviiTokenForm(r *http.Request) (*megviiTokenForm, bool) {
	if err := r.ParseMultipartForm(megviiFormMemory); err != nil {
		return nil, false
	}
	f := new(megviiTokenForm)
	for i, k := range megviiTokenFields {
		f.values[i] = r.FormValue(k)
	}
	for i, k := range megviiImageFields {
		fhs := r.MultipartForm.File[k]
		if len(fhs) == 0 {
			continue
		}
		img := &f.images[i]
		img.present = true
		img.size = fhs[0].Size
		file, err := fhs[0].Open()
		if err != nil {
			img.bad = true
			continue
		}
		head := make([]byte, megviiImageHead)
		n, _ := file.Read(head)
		_ = file.Close()
		img.head = head[:n]
	}
	return f, true
}
