package invariant_test

// The hostile answers: every field each vendor package reads (see the
// response structs in megvii/codes.go, payload.go, session.go;
// juhe/result.go, session.go; jumdata/codes.go, result.go, session.go,
// sdk.go) holds the echoed value v, under each of the vendor's codes that
// lead to a different branch.

func megviiBodies(v string) []any {
	var out []any
	for _, em := range []string{"", v, "BAD_ARGUMENTS: " + v, "AUTHENTICATION_ERROR: " + v, "INTERNAL_ERROR: " + v,
		"CONCURRENCY_LIMIT_EXCEEDED: " + v, "AUTHORIZATION_ERROR: " + v, "MISSING_ARGUMENTS: " + v} {
		for _, status := range []string{"OK", "FAILED", "NOT_STARTED", v} {
			out = append(out, map[string]any{
				"error": v, "error_message": em, "request_id": v, "time_used": 1,
				"token": v, "biz_id": v, "expired_time": 1716000000,
				"status": status, "fail_reason": v, "multifaces_tag": v,
				"biz_info": map[string]any{"biz_id": v, "biz_no": v, "biz_extra_data": v},
				"idcard_info": map[string]any{"idcard_mode": v, "idcard_uneditable_field": v, "idcard_number": v,
					"idcard_name": v, "idcard_valid_date": v, "idcard_issued_by": v},
				"liveness_result": map[string]any{"result": v, "procedure_type": v, "details": map[string]any{v: 1},
					"face_genuineness": map[string]any{"synthetic_face_confidence": 1, "synthetic_face_threshold": 1}},
				"verify_result": map[string]any{"error_message": em, "verify_time": 1,
					"result_faceid":       map[string]any{"confidence": 80, "thresholds": map[string]any{v: 70, "1e-4": 69}},
					"result_ref1":         map[string]any{"confidence": 80, "thresholds": map[string]any{"1e-4": 69}},
					"result_idcard_photo": map[string]any{"confidence": 80, "thresholds": map[string]any{"1e-4": 69}}},
				"will_result": []any{map[string]any{"result": v, "will_error_message": v}},
				"images":      map[string]any{"image_best": v},
			})
		}
		// Wrong kinds where a vendor sends another.
		out = append(out, map[string]any{"error_message": em, "request_id": v, "expired_time": v, "status": 1,
			"liveness_result": v, "verify_result": v, "biz_info": v})
	}
	return out
}

func juheBodies(v string) []any {
	var out []any
	result := func(passed string) map[string]any {
		return map[string]any{"jh_order_id": v, "verify_url": v, "passed": passed, "message": v,
			"detail": map[string]any{"live_passed": v, "live_code": v, "live_message": v, "live_score": 1,
				"certify_passed": v, "certify_code": v, "certify_message": v, "certify_score": 1, "certify_res": v, "img": v}}
	}
	for _, code := range []any{0, 10001, 10012, 10014, 279303, 279307, 279300, "10001"} {
		for _, passed := range []string{"T", "F", v} {
			out = append(out, map[string]any{"error_code": code, "reason": v, "result": result(passed)})
		}
		out = append(out, map[string]any{"error_code": code, "reason": v, "result": v})
	}
	out = append(out, map[string]any{"error_code": v, "reason": v, "result": result(v)})
	return out
}

func jumdataBodies(v string) []any {
	var out []any
	data := map[string]any{"token": v, "faceImageUrl": v, "face_image_url": v, "passed": v, "hack_score": 1,
		"result": v, "selfie_url": v, "order_no": v}
	for _, code := range []any{"200", 200, "400", "401", "403", "500", "606", "609", "610", "201", "202", "203", "204", "205", v} {
		out = append(out,
			map[string]any{"code": code, "msg": v, "message": v, "taskNo": v, "data": data},
			map[string]any{"code": code, "msg": v, "message": v, "taskNo": v, "data": v},
			map[string]any{"code": code, "message": v, "taskNo": v, "data": map[string]any{"passed": false, "token": v}})
	}
	return out
}
