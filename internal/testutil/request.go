package testutil

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
)

// Request is what a FakeVendor received. The body is parsed once, when the
// request arrives, so tests compare plain values instead of re-reading
// streams.
type Request struct {
	Method   string
	Path     string
	RawQuery string
	Query    url.Values
	Header   http.Header
	// ContentType is the media type alone, e.g. "multipart/form-data",
	// without parameters such as the boundary or charset.
	ContentType string
	Body        []byte
	// Form holds the text fields of an application/x-www-form-urlencoded
	// or multipart/form-data body; query parameters are in Query only, so
	// a test can tell where a credential travelled.
	Form url.Values
	// Files holds the file parts of a multipart/form-data body by field.
	Files map[string][]File
	// Err reports a body that could not be read or did not parse as its
	// declared form content type; a client under test sent it that way.
	Err error
}

// File is one file part of a multipart/form-data request.
type File struct {
	FieldName   string
	FileName    string
	ContentType string
	Data        []byte
}

func record(r *http.Request, body []byte, readErr error) Request {
	rec := Request{
		Method:   r.Method,
		Path:     r.URL.Path,
		RawQuery: r.URL.RawQuery,
		Header:   r.Header.Clone(),
		Body:     body,
		Form:     url.Values{},
		Files:    map[string][]File{},
		Err:      readErr,
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	rec.Query = q
	if err != nil && rec.Err == nil {
		rec.Err = fmt.Errorf("testutil: query: %w", err)
	}
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return rec
	}
	mediaType, params, err := mime.ParseMediaType(ct)
	if err != nil {
		rec.Err = errors.Join(rec.Err, fmt.Errorf("testutil: content type %q: %w", ct, err))
		return rec
	}
	rec.ContentType = mediaType
	switch mediaType {
	case "application/x-www-form-urlencoded":
		form, err := url.ParseQuery(string(body))
		rec.Form = form
		if err != nil {
			rec.Err = errors.Join(rec.Err, fmt.Errorf("testutil: urlencoded body: %w", err))
		}
	case "multipart/form-data":
		if err := parseMultipart(&rec, params["boundary"]); err != nil {
			rec.Err = errors.Join(rec.Err, fmt.Errorf("testutil: multipart body: %w", err))
		}
	}
	return rec
}

func parseMultipart(rec *Request, boundary string) error {
	if boundary == "" {
		return errors.New("no boundary")
	}
	mr := multipart.NewReader(bytes.NewReader(rec.Body), boundary)
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		data, err := io.ReadAll(p)
		if err != nil {
			return err
		}
		// A part is a file when its Content-Disposition names a filename,
		// even an empty one; FileName() alone cannot tell "" from absent.
		_, disp, _ := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
		if _, isFile := disp["filename"]; isFile {
			rec.Files[p.FormName()] = append(rec.Files[p.FormName()], File{
				FieldName:   p.FormName(),
				FileName:    p.FileName(),
				ContentType: p.Header.Get("Content-Type"),
				Data:        data,
			})
			continue
		}
		rec.Form.Add(p.FormName(), string(data))
	}
}
