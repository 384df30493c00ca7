package driver

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/url"
	"strconv"
	"strings"
)

// DefaultMaxFormFields caps the fields of a callback form or query: the
// vendors' callbacks carry a handful; a body of a few hundred thousand
// tiny fields would cost far more memory to parse than its bytes.
const DefaultMaxFormFields = 64

// QueryFields parses a callback's raw query string of at most maxFields fields
// (DefaultMaxFormFields when maxFields <= 0). Too many fields, or a
// malformed query, is ErrInvalidArgument naming field; the fields are
// counted before anything is parsed.
func (c Checker) QueryFields(field, rawQuery string, maxFields int) (url.Values, error) {
	maxFields = fieldCap(maxFields)
	if n := strings.Count(rawQuery, "&") + 1; n > maxFields {
		return nil, c.Fail(field, "has more than "+strconv.Itoa(maxFields)+" fields")
	}
	v, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, c.Fail(field, "is malformed")
	}
	return v, nil
}

// Form parses a callback body already read (and capped) with ReadBody as
// the form its Content-Type names: application/x-www-form-urlencoded (also
// when contentType is empty) or multipart/form-data, whose file parts are
// skipped. A form of more than maxFields fields (DefaultMaxFormFields when
// maxFields <= 0) is refused before it is parsed (urlencoded) or as soon
// as the field after the last allowed one begins (multipart). Every
// failure is ErrInvalidArgument naming "body".
func (c Checker) Form(contentType string, body []byte, maxFields int) (url.Values, error) {
	v, err := parseForm(contentType, body, fieldCap(maxFields))
	if err != nil {
		return nil, c.Fail("body", err.Error())
	}
	return v, nil
}

func fieldCap(n int) int {
	if n <= 0 {
		return DefaultMaxFormFields
	}
	return n
}

func parseForm(contentType string, body []byte, maxFields int) (url.Values, error) {
	tooMany := errors.New("has more than " + strconv.Itoa(maxFields) + " fields")
	mt, params, err := mime.ParseMediaType(contentType)
	if contentType == "" {
		mt, err = "application/x-www-form-urlencoded", nil
	}
	if err != nil {
		return nil, errors.New("has a malformed Content-Type")
	}
	switch mt {
	case "application/x-www-form-urlencoded":
		// Every field but the last ends at '&': counting them costs no
		// allocation, and url.ParseQuery never sees a bomb.
		if n := bytes.Count(body, []byte("&")) + 1; n > maxFields {
			return nil, tooMany
		}
		v, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, errors.New("is not a valid form")
		}
		return v, nil
	case "multipart/form-data":
		if params["boundary"] == "" {
			return nil, errors.New("is multipart without a boundary")
		}
		// The body is already capped, so reading its parts whole is bounded.
		mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		v := url.Values{}
		for parts := 0; ; parts++ {
			part, err := mr.NextPart()
			if err == io.EOF {
				return v, nil
			}
			if err != nil {
				return nil, errors.New("is not a valid multipart form")
			}
			if parts == maxFields {
				return nil, tooMany
			}
			b, err := io.ReadAll(part)
			if err != nil {
				return nil, errors.New("is not a valid multipart form")
			}
			if name := part.FormName(); name != "" && part.FileName() == "" {
				v.Add(name, string(b))
			}
		}
	}
	return nil, errors.New("is " + mt + ", not a form")
}
