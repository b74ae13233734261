/*
 * SWIG interface of libw3wallet, shared by the Python and Go bindings.
 *
 * Bindings are driven by parameter NAMES (as libwally-core does): every
 * function whose out-parameter has the same shape binds the same way.
 *
 *   w3w_status (return)        -> Python: raises the mapped W3WError subclass
 *                                 Go: an error value (nil on success)
 *                                 The message is read with w3w_error_message()
 *                                 inside the same C wrapper call that failed,
 *                                 so it always comes from the right thread.
 *   w3w_amount *out, int *out, unsigned int *out, size_t *delivered,
 *   size_t *sealed, int64_t *deleted, int *allowed, int64_t *retry_after_ms
 *                              -> Python: returned; Go: a pointer argument
 *   char *buf, size_t buflen   -> Python: returned str; Go: a []byte argument
 *   const unsigned char *secret, size_t secret_len (and public_key/secret_key, key_len)
 *                              -> Python: any buffer (bytes); Go: []byte
 *   const char *               -> Python: str or None (NULL); an embedded NUL is
 *                                 refused (C would cut the text); Go: string
 *   char **out                 -> Python: returned str; Go: *string. The
 *                                 library's string is copied, then freed with
 *                                 w3w_string_free() (which wipes it).
 *   TYPE *out (records)        -> Python: a new owned record; Go: the caller
 *                                 passes a record made with NewTYPE()
 *   TYPE **out (allocated)     -> Python: an owned proxy whose destructor is the
 *                                 library's matching *_free() (opaque handles:
 *                                 closed by their Python class); Go: *uintptr,
 *                                 the Go layer wraps it and calls the *_free()
 *
 * Python releases the GIL only around calls that can block (the
 * W3WB_BLOCKING list). Go needs no runtime.LockOSThread: the message is
 * captured in the same cgo call as the failure.
 *
 * The low-level modules (Python w3wallet.capi, Go internal/capi) are raw:
 * the w3wallet packages over them are the API.
 *
 * Callbacks and backend vtables (include/w3wallet/sys/) stay out: events are
 * read with the queue mode of subscriptions (w3wb_subscribe below), backends
 * are chosen by URL. The thread-local error functions are not exported:
 * the wrappers capture the message themselves.
 *
 * The w3wb_ helpers at the end exist only for bindings (arrays, fixed-size
 * text fields); they live in the generated wrapper, not in the library.
 */
#if defined(SWIGPYTHON)
%module(package="w3wallet", threads="1") capi
#elif defined(SWIGGO)
%module capi
#else
%module w3wallet
#endif

%{
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <w3wallet.h>
#include <w3wallet/sys/backend.h> /* w3w_error_set(): the helpers below report errors the library's way */
%}

%include <stdint.i>

/* SWIG parses the headers; the export attribute means nothing to it. */
#define W3W_STATIC

/* ---- left out of the surface ------------------------------------------ */
%ignore w3w_error_message;
%ignore w3w_error_code;
%ignore w3w_error_clear;
%ignore w3w_string_free;   /* the char **out typemap frees */
%ignore w3w_subscribe;     /* takes a callback: see w3wb_subscribe */
%ignore w3w_event_fn;
/* Their first parameter is not named `out` (and a typemap on `w3w_actor *actor`
 * would also catch every `const w3w_actor *actor`): w3wb_*_init below. */
%ignore w3w_actor_init;
%ignore w3w_options_init;
%ignore w3w_list_query_init;
%ignore w3w_chain_options_init;
%ignore w3w_chain_watch_last;  /* returns the watch thread's status, not its own: w3wb_chain_watch_last */
%ignore w3w_chain_watch_state::status;  /* a status as data, not an outcome: last_error says it ("" when fine) */
%ignore w3w_chain_sweep_state::status;  /* the same for the sweep rounds */
%ignore W3W_CHAIN_OPTIONS_INIT;
%ignore W3W_OPTIONS_INIT;
%ignore W3W_LIST_QUERY_INIT;
%ignore W3W_SUPPLY_PATCH_INIT;
/* Span hooks are callbacks (left out, like w3w_subscribe's); the trace context functions are bound. */
%ignore w3w_tracer;
%ignore w3w_span;
%ignore w3w_span_kind;
%ignore w3w_options::tracer;

/* Text fields are read-only from bindings: SWIG's setters for char arrays
 * would silently cut long text. Inputs with text go through
 * w3wb_options_set_text / w3wb_list_query_set_text / w3wb_order_items_set,
 * which refuse what does not fit. */
%immutable id;
%immutable user_id;
%immutable currency;
%immutable order_id;
%immutable supply_id;
%immutable from_user_id;
%immutable to_user_id;
%immutable reference;
%immutable product_id;
%immutable product_name;
%immutable next_cursor;
%immutable trace_id;
%immutable span_id;
%immutable cursor;
%immutable storage_url;
%immutable cache_url;
%immutable events_url;
%immutable master_key_hex;
%immutable region;
%immutable read_storage_url;
%immutable type;
%immutable topic;
%immutable aggregate_id;
%immutable actor_id;
%immutable reason;
%immutable payload;
%immutable items;
%immutable origin;
%immutable key_ids;
%immutable context_key_id;
%immutable chain;
%immutable address;
%immutable adapter;
%immutable url;
%immutable assets;
%immutable signer_url;
%immutable signer_key_hex;
%immutable to_address;
%immutable from_address;
%immutable tx_hash;
%immutable error;
%immutable transfer_id;
%immutable block_hash;
%immutable value;
%immutable dust;
%immutable w3w_chain_deposit::status;
%immutable last_error;
%immutable count;
%immutable item_count;
%immutable message;
%immutable claim_id;
%immutable idempotency_key;
%immutable w3w_batch_results::ok;
%ignore w3w_batch_result::status; /* read with w3wb_batch_result_code() */
%nodefaultctor w3w_supply_page;
%nodefaultctor w3w_order_page;
%nodefaultctor w3w_audit_page;
%nodefaultctor w3w_event_list;
%nodefaultctor w3w_account_list;
%nodefaultctor w3w_event;
%nodefaultctor w3w_ctx;
%nodefaultctor w3w_subscription;
%nodefaultctor w3w_wallets;
%nodefaultctor w3w_withdrawal_limits;
%nodefaultctor w3w_chain_deposits;
%nodefaultctor w3w_sweeps;
%nodefaultctor w3w_sweep_fee_totals;
%nodefaultctor w3w_withdrawal_attempts;
%nodefaultctor w3w_batch_results;
%nodefaultctor w3w_chain;
%nodefaultdtor w3w_chain;
%nodefaultdtor w3w_ctx;
%nodefaultdtor w3w_subscription;

/* What the library allocated is freed by its own *_free(). */
%extend w3w_order        { ~w3w_order()        { w3w_order_free($self); } }
%extend w3w_order_page   { ~w3w_order_page()   { w3w_order_page_free($self); } }
%extend w3w_supply_page  { ~w3w_supply_page()  { w3w_supply_page_free($self); } }
%extend w3w_audit_page   { ~w3w_audit_page()   { w3w_audit_page_free($self); } }
%extend w3w_event_list   { ~w3w_event_list()   { w3w_event_list_free($self); } }
%extend w3w_account_list { ~w3w_account_list() { w3w_account_list_free($self); } }
%extend w3w_event        { ~w3w_event()        { w3w_event_free($self); } }
%extend w3w_wallets      { ~w3w_wallets()      { w3w_wallets_free($self); } }
%extend w3w_withdrawal_limits { ~w3w_withdrawal_limits() { w3w_withdrawal_limits_free($self); } }
%extend w3w_chain_deposits { ~w3w_chain_deposits() { w3w_chain_deposits_free($self); } }
%extend w3w_sweeps { ~w3w_sweeps() { w3w_sweeps_free($self); } }
%extend w3w_sweep_fee_totals { ~w3w_sweep_fee_totals() { w3w_sweep_fee_totals_free($self); } }
%extend w3w_withdrawal_attempts { ~w3w_withdrawal_attempts() { w3w_withdrawal_attempts_free($self); } }
%extend w3w_batch_results { ~w3w_batch_results() { w3w_batch_results_free($self); } }

/* ======================================================================= */
#if defined(SWIGPYTHON)

%{
/* status code -> exception class, registered by the w3wallet package at import */
static PyObject *w3wb_error_classes = NULL;
static PyObject *w3wb_error_default = NULL;

static void w3wb_raise(int code, const char *message)
{
	PyObject *cls = NULL, *key, *text, *args;
	if (w3wb_error_classes) {
		key = PyLong_FromLong(code);
		if (key) {
			cls = PyDict_GetItem(w3wb_error_classes, key); /* borrowed */
			Py_DECREF(key);
		}
	}
	if (!cls)
		cls = w3wb_error_default ? w3wb_error_default : PyExc_RuntimeError;
	text = PyUnicode_DecodeUTF8(message, (Py_ssize_t)strlen(message), "replace");
	if (!text)
		return;
	args = Py_BuildValue("(iN)", code, text);
	if (!args)
		return;
	PyErr_SetObject(cls, args);
	Py_DECREF(args);
}
%}

%typemap(out) w3w_status {
	if ($1 != W3W_OK) {
		w3wb_raise($1, w3w_error_message());
		SWIG_fail;
	}
	$result = SWIG_Py_Void();
}

/* Text in: str or None (NULL); an embedded NUL would silently cut the text, so it is refused. */
%typemap(in) const char * (Py_ssize_t size) {
	if ($input == Py_None) {
		$1 = NULL;
	} else if (PyUnicode_Check($input)) {
		$1 = ($1_ltype)PyUnicode_AsUTF8AndSize($input, &size);
		if (!$1)
			SWIG_fail;
		if (strlen($1) != (size_t)size) {
			w3wb_raise(W3W_EINVAL, "$1_name: contains a NUL character");
			SWIG_fail;
		}
	} else {
		PyErr_Format(PyExc_TypeError, "$1_name: expected str, got %s", Py_TYPE($input)->tp_name);
		SWIG_fail;
	}
}
%typemap(freearg) const char * "";
%typemap(typecheck, precedence=SWIG_TYPECHECK_STRING) const char * {
	$1 = ($input == Py_None || PyUnicode_Check($input)) ? 1 : 0;
}

/* Numbers out. */
%define W3WB_NUMBER_OUT(TYPE, NAME, TO_PY)
%typemap(in, numinputs=0) TYPE *NAME (TYPE temp = 0) "$1 = &temp;";
%typemap(argout) TYPE *NAME "$result = SWIG_Python_AppendOutput($result, TO_PY(*$1));";
%enddef
W3WB_NUMBER_OUT(w3w_amount, out, PyLong_FromLongLong)
W3WB_NUMBER_OUT(int, out, PyLong_FromLong)
W3WB_NUMBER_OUT(unsigned int, out, PyLong_FromUnsignedLong)
W3WB_NUMBER_OUT(size_t, delivered, PyLong_FromSize_t)
W3WB_NUMBER_OUT(size_t, sealed, PyLong_FromSize_t)
W3WB_NUMBER_OUT(int, allowed, PyBool_FromLong)
W3WB_NUMBER_OUT(int64_t, retry_after_ms, PyLong_FromLongLong)
W3WB_NUMBER_OUT(int64_t, deleted, PyLong_FromLongLong)
W3WB_NUMBER_OUT(int64_t, depth, PyLong_FromLongLong)

/* Bytes in: anything with the buffer protocol (bytes, bytearray, memoryview). */
%define W3WB_BYTES_IN(PTR, LEN)
%typemap(in) (const unsigned char *PTR, size_t LEN) (Py_buffer view) {
	view.obj = NULL;
	if (PyObject_GetBuffer($input, &view, PyBUF_SIMPLE) != 0)
		SWIG_fail;
	$1 = (unsigned char *)view.buf;
	$2 = (size_t)view.len;
}
%typemap(freearg) (const unsigned char *PTR, size_t LEN) {
	if (view$argnum.obj)
		PyBuffer_Release(&view$argnum);
}
%enddef
W3WB_BYTES_IN(secret, secret_len)
W3WB_BYTES_IN(public_key, key_len)
W3WB_BYTES_IN(secret_key, key_len)

/* Formatting into a caller buffer: every such field fits in 128 bytes. */
%typemap(in, numinputs=0) (char *buf, size_t buflen) (char temp[128]) {
	temp[0] = '\0';
	$1 = temp;
	$2 = sizeof(temp);
}
%typemap(argout) (char *buf, size_t buflen) {
	$result = SWIG_Python_AppendOutput($result, PyUnicode_FromString($1));
}

/* Strings the library allocates: copy, then w3w_string_free(). */
%typemap(in, numinputs=0) char **out (char *temp = NULL) "$1 = &temp;";
%typemap(argout) char **out {
	$result = SWIG_Python_AppendOutput($result, PyUnicode_FromString(*$1 ? *$1 : ""));
}
%typemap(freearg) char **out "w3w_string_free(temp$argnum);";

/* Records filled by the library: returned as new owned proxies. */
%define W3WB_RECORD_OUT(TYPE, NAME)
%typemap(in, numinputs=0) TYPE *NAME {
	$1 = (TYPE *)calloc(1, sizeof(TYPE));
	if (!$1) {
		PyErr_NoMemory();
		SWIG_fail;
	}
}
%typemap(argout) TYPE *NAME {
	$result = SWIG_Python_AppendOutput($result, SWIG_NewPointerObj($1, $1_descriptor, SWIG_POINTER_OWN));
	$1 = NULL;
}
%typemap(freearg) TYPE *NAME "free($1);";
%enddef
W3WB_RECORD_OUT(w3w_supply, out)
W3WB_RECORD_OUT(w3w_claim, out)
W3WB_RECORD_OUT(w3w_transfer, out)
W3WB_RECORD_OUT(w3w_ledger_totals, out)
W3WB_RECORD_OUT(w3w_outbox_stats, out)
W3WB_RECORD_OUT(w3w_audit_report, out)
W3WB_RECORD_OUT(w3w_actor, out)          /* w3wb_actor_init */
W3WB_RECORD_OUT(w3w_options, out)        /* w3wb_options_init */
W3WB_RECORD_OUT(w3w_list_query, out)     /* w3wb_list_query_init */
W3WB_RECORD_OUT(w3w_trace_context, out)
W3WB_RECORD_OUT(w3w_master_seed_info, out)
W3WB_RECORD_OUT(w3w_wallet, out)
W3WB_RECORD_OUT(w3w_withdrawal, out)
W3WB_RECORD_OUT(w3w_chain_deposit, out)
W3WB_RECORD_OUT(w3w_chain_poll_stats, out)
W3WB_RECORD_OUT(w3w_chain_watch_state, out)
W3WB_RECORD_OUT(w3w_sweep_stats, out)
W3WB_RECORD_OUT(w3w_chain_sweep_state, out)
W3WB_RECORD_OUT(w3w_chain_options, out)  /* w3wb_chain_options_init */
W3WB_RECORD_OUT(w3w_withdrawal_limit, out)

/* Objects the library allocates: the proxy owns them (destructor = *_free). */
%define W3WB_ALLOCATED_OUT(TYPE, OWN)
%typemap(in, numinputs=0) TYPE **out (TYPE *temp = NULL) "$1 = &temp;";
%typemap(argout) TYPE **out {
	$result = SWIG_Python_AppendOutput($result, SWIG_NewPointerObj(temp$argnum, $*1_descriptor, OWN));
	temp$argnum = NULL;
}
%enddef
W3WB_ALLOCATED_OUT(w3w_order, SWIG_POINTER_OWN)
W3WB_ALLOCATED_OUT(w3w_order_page, SWIG_POINTER_OWN)
W3WB_ALLOCATED_OUT(w3w_supply_page, SWIG_POINTER_OWN)
W3WB_ALLOCATED_OUT(w3w_audit_page, SWIG_POINTER_OWN)
W3WB_ALLOCATED_OUT(w3w_event_list, SWIG_POINTER_OWN)
W3WB_ALLOCATED_OUT(w3w_account_list, SWIG_POINTER_OWN)
W3WB_ALLOCATED_OUT(w3w_event, SWIG_POINTER_OWN)
W3WB_ALLOCATED_OUT(w3w_wallets, SWIG_POINTER_OWN)
W3WB_ALLOCATED_OUT(w3w_withdrawal_limits, SWIG_POINTER_OWN)
W3WB_ALLOCATED_OUT(w3w_chain_deposits, SWIG_POINTER_OWN)
W3WB_ALLOCATED_OUT(w3w_sweeps, SWIG_POINTER_OWN)
W3WB_ALLOCATED_OUT(w3w_sweep_fee_totals, SWIG_POINTER_OWN)
W3WB_ALLOCATED_OUT(w3w_withdrawal_attempts, SWIG_POINTER_OWN)
W3WB_ALLOCATED_OUT(w3w_batch_results, SWIG_POINTER_OWN)
/* Opaque handles with an explicit close: owned by the Python classes Context, Subscription, JwtVerifier. */
W3WB_ALLOCATED_OUT(w3w_ctx, 0)
W3WB_ALLOCATED_OUT(w3w_subscription, 0)
W3WB_ALLOCATED_OUT(w3w_jwt_verifier, 0)
W3WB_ALLOCATED_OUT(w3w_chain, 0)
%typemap(freearg) w3w_order **out "w3w_order_free(temp$argnum);";
%typemap(freearg) w3w_order_page **out "w3w_order_page_free(temp$argnum);";
%typemap(freearg) w3w_supply_page **out "w3w_supply_page_free(temp$argnum);";
%typemap(freearg) w3w_audit_page **out "w3w_audit_page_free(temp$argnum);";
%typemap(freearg) w3w_event_list **out "w3w_event_list_free(temp$argnum);";
%typemap(freearg) w3w_account_list **out "w3w_account_list_free(temp$argnum);";
%typemap(freearg) w3w_event **out "w3w_event_free(temp$argnum);";
%typemap(freearg) w3w_jwt_verifier **out "w3w_jwt_verifier_free(temp$argnum);";
%typemap(freearg) w3w_wallets **out "w3w_wallets_free(temp$argnum);";
%typemap(freearg) w3w_withdrawal_limits **out "w3w_withdrawal_limits_free(temp$argnum);";
%typemap(freearg) w3w_chain_deposits **out "w3w_chain_deposits_free(temp$argnum);";
%typemap(freearg) w3w_sweeps **out "w3w_sweeps_free(temp$argnum);";
%typemap(freearg) w3w_sweep_fee_totals **out "w3w_sweep_fee_totals_free(temp$argnum);";
%typemap(freearg) w3w_withdrawal_attempts **out "w3w_withdrawal_attempts_free(temp$argnum);";
%typemap(freearg) w3w_batch_results **out "w3w_batch_results_free(temp$argnum);";
%typemap(freearg) w3w_chain **out "w3w_chain_close(temp$argnum);";
%typemap(freearg) w3w_ctx **out "w3w_ctx_close(temp$argnum);";
%typemap(freearg) w3w_subscription **out "w3w_unsubscribe(temp$argnum);";

/* The GIL is released only around calls that can block: everything that
 * takes a w3w_ctx or a w3w_subscription (storage, cache, event waits).
 * Field getters and pure functions keep it: releasing it there costs more
 * than the call. Add new blocking functions here. */
%feature("nothreadallow");
%define W3WB_BLOCKING(NAME) %feature("nothreadallow", "0") NAME; %enddef
W3WB_BLOCKING(w3w_ctx_open)
W3WB_BLOCKING(w3w_ctx_close)
W3WB_BLOCKING(w3w_deposit)
W3WB_BLOCKING(w3w_withdraw)
W3WB_BLOCKING(w3w_transfer_funds)
W3WB_BLOCKING(w3w_accounts)
W3WB_BLOCKING(w3w_ledger_totals_get)
W3WB_BLOCKING(w3w_supply_create)
W3WB_BLOCKING(w3w_supply_get)
W3WB_BLOCKING(w3w_supply_list)
W3WB_BLOCKING(w3w_supply_update)
W3WB_BLOCKING(w3w_supply_delete)
W3WB_BLOCKING(w3w_order_create)
W3WB_BLOCKING(w3w_order_get)
W3WB_BLOCKING(w3w_order_list)
W3WB_BLOCKING(w3w_order_cancel)
W3WB_BLOCKING(w3w_claim_order)
W3WB_BLOCKING(w3w_claim_get)
W3WB_BLOCKING(w3w_claim_get_by_order)
W3WB_BLOCKING(w3w_claim_process)
W3WB_BLOCKING(w3w_claim_release)
W3WB_BLOCKING(w3wb_subscribe)
W3WB_BLOCKING(w3w_subscription_next)
W3WB_BLOCKING(w3w_unsubscribe)
W3WB_BLOCKING(w3w_events_pump)
W3WB_BLOCKING(w3w_outbox_stats_get)
W3WB_BLOCKING(w3w_audit_verify)
W3WB_BLOCKING(w3w_audit_seal)
W3WB_BLOCKING(w3w_audit_read)
W3WB_BLOCKING(w3w_events_of)
W3WB_BLOCKING(w3w_rate_limit_take)
W3WB_BLOCKING(w3w_master_seed_import)
W3WB_BLOCKING(w3w_master_seed_info_get)
W3WB_BLOCKING(w3w_master_mnemonic_export)
W3WB_BLOCKING(w3w_master_key_rotate)
W3WB_BLOCKING(w3w_master_key_retire)
W3WB_BLOCKING(w3w_wallet_create)
W3WB_BLOCKING(w3w_wallet_list)
W3WB_BLOCKING(w3w_chain_open)
W3WB_BLOCKING(w3w_chain_close)
W3WB_BLOCKING(w3w_chain_hot_address)
W3WB_BLOCKING(w3w_chain_poll)
W3WB_BLOCKING(w3w_chain_watch_start)
W3WB_BLOCKING(w3w_chain_watch_stop)
W3WB_BLOCKING(w3w_wallet_withdraw)
W3WB_BLOCKING(w3w_withdrawal_get)
W3WB_BLOCKING(w3w_chain_deposit_get)
W3WB_BLOCKING(w3w_withdrawal_limit_set)
W3WB_BLOCKING(w3w_withdrawal_limit_clear)
W3WB_BLOCKING(w3w_withdrawal_limits_get)
W3WB_BLOCKING(w3w_chain_deposit_list)
W3WB_BLOCKING(w3w_chain_sweep)
W3WB_BLOCKING(w3w_sweep_list)
W3WB_BLOCKING(w3w_sweep_fee_totals_get)
W3WB_BLOCKING(w3w_withdrawal_replace)
W3WB_BLOCKING(w3w_withdrawal_cancel)
W3WB_BLOCKING(w3w_withdrawal_attempt_list)
W3WB_BLOCKING(w3w_chain_confirmations)

%inline %{
/* Called once by the w3wallet package: maps status codes to its exception classes. */
static void w3wb_set_error_classes(PyObject *classes, PyObject *fallback)
{
	Py_XINCREF(classes);
	Py_XINCREF(fallback);
	Py_XDECREF(w3wb_error_classes);
	Py_XDECREF(w3wb_error_default);
	w3wb_error_classes = classes;
	w3wb_error_default = fallback;
}
%}

/* ======================================================================= */
#elif defined(SWIGGO)

%rename(event_type) w3w_event::type; /* `type` is a Go keyword */

%insert(cgo_comment) %{
#cgo pkg-config: w3wallet
%}

/* C strings -> Go strings: copy into Go memory, then free the C copy.
 * (SWIG's own swigCopyString converts a uintptr back to unsafe.Pointer,
 * which go vet rightly flags; this one does not.) */
%fragment("W3wbCopyString", "go_runtime") %{
func w3wbCopyString(s string) string {
	r := strings.Clone(s)
	Swig_free(uintptr(unsafe.Pointer(unsafe.StringData(s))))
	return r
}
%}
%go_import("strings")
%typemap(goout, fragment="W3wbCopyString") char *, char[ANY], char[] %{ $result = w3wbCopyString($1) %}

/* Status -> error. On failure the C wrapper formats "CODE\tMESSAGE" right
 * after the call, on the thread that made it; swigStatusError turns that
 * into a *StatusError. No runtime.LockOSThread is needed. */
%typemap(gotype) w3w_status "error";
%typemap(imtype) w3w_status "string";
%typemap(out, fragment="AllocateString") w3w_status {
	if ($1 == W3W_OK) {
		$result.p = NULL;
		$result.n = 0;
	} else {
		char text[600];
		int n = snprintf(text, sizeof(text), "%d\t%s", (int)$1, w3w_error_message());
		if (n < 0)
			n = 0;
		if ((size_t)n >= sizeof(text))
			n = (int)sizeof(text) - 1;
		$result = Swig_AllocateString(text, (size_t)n);
	}
}
/* ... but a status passed in (w3w_status_name) stays a number. */
%typemap(gotype) w3w_status status "int";
%typemap(imtype) w3w_status status "int";
%typemap(in) w3w_status status "$1 = (w3w_status)$input;";
%typemap(goout, fragment="W3wbCopyString") w3w_status {
	if len($1) == 0 {
		$result = nil
	} else {
		$result = swigStatusError(w3wbCopyString($1))
	}
}

%insert(go_wrapper) %{
// StatusError is a failed libw3wallet call: its status code and the
// message the library gave on the thread that made the call.
type StatusError struct {
	Code    int
	Message string
}

func (e *StatusError) Error() string { return e.Message }

func swigStatusError(s string) error {
	code, msg := 0, s
	for i := 0; i < len(s); i++ {
		if s[i] == '\t' {
			msg = s[i+1:]
			break
		}
		if s[i] == '-' && i == 0 {
			continue
		}
		code = code*10 + int(s[i]-'0')
	}
	if len(s) > 0 && s[0] == '-' {
		code = -code
	}
	return &StatusError{Code: code, Message: msg}
}
%}

/* Numbers out: a pointer to a Go variable. */
%define W3WB_NUMBER_OUT(TYPE, NAME, GOTYPE)
%typemap(gotype) TYPE *NAME "*GOTYPE";
%typemap(imtype) TYPE *NAME "*GOTYPE";
%typemap(in) TYPE *NAME "$1 = ($1_ltype)$input;";
%enddef
W3WB_NUMBER_OUT(w3w_amount, out, int64)
W3WB_NUMBER_OUT(int, out, int32)
W3WB_NUMBER_OUT(unsigned int, out, uint32)
W3WB_NUMBER_OUT(size_t, delivered, uint64)
W3WB_NUMBER_OUT(size_t, sealed, uint64)
W3WB_NUMBER_OUT(int, allowed, int32)
W3WB_NUMBER_OUT(int64_t, retry_after_ms, int64)
W3WB_NUMBER_OUT(int64_t, deleted, int64)
W3WB_NUMBER_OUT(int64_t, depth, int64)

/* Bytes in: a []byte. */
%define W3WB_BYTES_IN(PTR, LEN)
%typemap(gotype) (const unsigned char *PTR, size_t LEN) "[]byte";
%typemap(imtype) (const unsigned char *PTR, size_t LEN) "[]byte";
%typemap(in) (const unsigned char *PTR, size_t LEN) {
	$1 = (unsigned char *)$input.array;
	$2 = (size_t)$input.len;
}
%enddef
W3WB_BYTES_IN(secret, secret_len)
W3WB_BYTES_IN(public_key, key_len)
W3WB_BYTES_IN(secret_key, key_len)

/* Formatting into a caller buffer: a []byte of at least 128 bytes. */
%typemap(gotype) (char *buf, size_t buflen) "[]byte";
%typemap(imtype) (char *buf, size_t buflen) "[]byte";
%typemap(in) (char *buf, size_t buflen) {
	$1 = (char *)$input.array;
	$2 = (size_t)$input.len;
}

/* Strings the library allocates: copied into a Go string, then w3w_string_free(). */
%typemap(gotype) char **out "*string";
%typemap(imtype) char **out "*string";
%typemap(in) char **out (char *temp = NULL) "$1 = &temp;";
%typemap(argout, fragment="AllocateString") char **out {
	if (temp$argnum)
		*$input = Swig_AllocateString(temp$argnum, strlen(temp$argnum));
}
%typemap(goargout, fragment="W3wbCopyString") char **out {
	if len(*$input) > 0 {
		*$input = w3wbCopyString(*$input)
	}
}
%typemap(freearg) char **out "w3w_string_free(temp$argnum);";

/* Objects the library allocates: *uintptr; the Go layer calls the matching *_free(). */
%define W3WB_ALLOCATED_OUT(TYPE)
%typemap(gotype) TYPE **out "*uintptr";
%typemap(imtype) TYPE **out "*uintptr";
%typemap(in) TYPE **out "$1 = ($1_ltype)$input;";
%enddef
W3WB_ALLOCATED_OUT(w3w_ctx)
W3WB_ALLOCATED_OUT(w3w_order)
W3WB_ALLOCATED_OUT(w3w_order_page)
W3WB_ALLOCATED_OUT(w3w_supply_page)
W3WB_ALLOCATED_OUT(w3w_audit_page)
W3WB_ALLOCATED_OUT(w3w_event_list)
W3WB_ALLOCATED_OUT(w3w_account_list)
W3WB_ALLOCATED_OUT(w3w_subscription)
W3WB_ALLOCATED_OUT(w3w_event)
W3WB_ALLOCATED_OUT(w3w_jwt_verifier)
W3WB_ALLOCATED_OUT(w3w_wallets)
W3WB_ALLOCATED_OUT(w3w_chain_deposits)
W3WB_ALLOCATED_OUT(w3w_sweeps)
W3WB_ALLOCATED_OUT(w3w_sweep_fee_totals)
W3WB_ALLOCATED_OUT(w3w_withdrawal_attempts)
W3WB_ALLOCATED_OUT(w3w_chain)
W3WB_ALLOCATED_OUT(w3w_withdrawal_limits)
W3WB_ALLOCATED_OUT(w3w_batch_results)

#endif

/* ---- the public API ------------------------------------------------------ */
%include "w3wallet/common.h"
%include "w3wallet/amount.h"
%include "w3wallet/id.h"
%include "w3wallet/trace.h"
%include "w3wallet/context.h"
%include "w3wallet/list.h"
%include "w3wallet/ledger.h"
%include "w3wallet/supply.h"
%include "w3wallet/order.h"
%include "w3wallet/claim.h"
%include "w3wallet/batch.h"
%include "w3wallet/events.h"
%include "w3wallet/audit.h"
%include "w3wallet/json.h"
%include "w3wallet/auth.h"
%include "w3wallet/wallet.h"
%include "w3wallet/limits.h"

/* ---- helpers for bindings --------------------------------------------------- */
%{
/* Copy text into a fixed-size field, refusing (not cutting) text that does not fit. */
static w3w_status w3wb_set_text(char *dst, size_t size, const char *field, const char *value)
{
	size_t len = value ? strlen(value) : 0;
	if (len >= size)
		return w3w_error_set(W3W_EINVAL, "%s: longer than %zu bytes", field, size - 1);
	memcpy(dst, value ? value : "", len + 1);
	return W3W_OK;
}
%}

%inline %{
/* Events without a callback: w3w_subscribe() in queue mode, read with w3w_subscription_next(). */
static w3w_status w3wb_subscribe(w3w_subscription **out, w3w_ctx *ctx, size_t queue_capacity)
{
	return w3w_subscribe(out, ctx, NULL, NULL, queue_capacity);
}

/* w3w_actor_init(), w3w_options_init(), w3w_list_query_init() with the filled struct as `out`. */
static w3w_status w3wb_actor_init(w3w_actor *out, const char *user_id, unsigned int roles)
{
	return w3w_actor_init(out, user_id, roles);
}

static w3w_status w3wb_options_init(w3w_options *out, unsigned int version)
{
	return w3w_options_init(out, version);
}

static w3w_status w3wb_list_query_init(w3w_list_query *out, unsigned int version)
{
	return w3w_list_query_init(out, version);
}

/* Text fields of w3w_options, refused (not cut) when too long. */
static w3w_status w3wb_options_set_text(w3w_options *opts, const char *field, const char *value)
{
	if (!opts || !field)
		return w3w_error_set(W3W_EINVAL, "options: missing");
	if (strcmp(field, "storage_url") == 0)
		return w3wb_set_text(opts->storage_url, sizeof(opts->storage_url), field, value);
	if (strcmp(field, "cache_url") == 0)
		return w3wb_set_text(opts->cache_url, sizeof(opts->cache_url), field, value);
	if (strcmp(field, "read_storage_url") == 0)
		return w3wb_set_text(opts->read_storage_url, sizeof(opts->read_storage_url), field, value);
	if (strcmp(field, "events_url") == 0)
		return w3wb_set_text(opts->events_url, sizeof(opts->events_url), field, value);
	if (strcmp(field, "master_key_hex") == 0)
		return w3wb_set_text(opts->master_key_hex, sizeof(opts->master_key_hex), field, value);
	if (strcmp(field, "region") == 0)
		return w3wb_set_text(opts->region, sizeof(opts->region), field, value);
	if (strcmp(field, "signer_url") == 0)
		return w3wb_set_text(opts->signer_url, sizeof(opts->signer_url), field, value);
	if (strcmp(field, "signer_key_hex") == 0)
		return w3wb_set_text(opts->signer_key_hex, sizeof(opts->signer_key_hex), field, value);
	return w3w_error_set(W3W_EINVAL, "options: no text field '%s'", field);
}

static w3w_status w3wb_chain_options_init(w3w_chain_options *out, unsigned int version)
{
	return w3w_chain_options_init(out, version);
}

/* Text fields of w3w_chain_options. */
static w3w_status w3wb_chain_options_set_text(w3w_chain_options *opts, const char *field, const char *value)
{
	if (!opts || !field)
		return w3w_error_set(W3W_EINVAL, "chain options: missing");
	if (strcmp(field, "adapter") == 0)
		return w3wb_set_text(opts->adapter, sizeof(opts->adapter), field, value);
	if (strcmp(field, "url") == 0)
		return w3wb_set_text(opts->url, sizeof(opts->url), field, value);
	if (strcmp(field, "assets") == 0)
		return w3wb_set_text(opts->assets, sizeof(opts->assets), field, value);
	if (strcmp(field, "signer_url") == 0)
		return w3wb_set_text(opts->signer_url, sizeof(opts->signer_url), field, value);
	if (strcmp(field, "signer_key_hex") == 0)
		return w3wb_set_text(opts->signer_key_hex, sizeof(opts->signer_key_hex), field, value);
	return w3w_error_set(W3W_EINVAL, "chain options: no text field '%s'", field);
}

/* The watch thread's last round: its status is the result (a plain int,
 * so it is returned, not raised), its stats and message go out. */
static int w3wb_chain_watch_last(w3w_chain_poll_stats *out, w3w_chain *chain, char *buf, size_t buflen)
{
	return w3w_chain_watch_last(chain, out, buf, buflen);
}

/* Text fields of w3w_list_query. */
static w3w_status w3wb_list_query_set_text(w3w_list_query *query, const char *field, const char *value)
{
	if (!query || !field)
		return w3w_error_set(W3W_EINVAL, "query: missing");
	if (strcmp(field, "user_id") == 0)
		return w3wb_set_text(query->user_id, sizeof(query->user_id), field, value);
	if (strcmp(field, "cursor") == 0)
		return w3wb_set_text(query->cursor, sizeof(query->cursor), field, value);
	return w3w_error_set(W3W_EINVAL, "query: no text field '%s'", field);
}

/* Items to pass to w3w_order_create(): an array made here, filled item by item, freed here. */
static w3w_order_item *w3wb_order_items_new(size_t count)
{
	return (w3w_order_item *)calloc(count ? count : 1, sizeof(w3w_order_item));
}

static w3w_status w3wb_order_items_set(w3w_order_item *items, size_t index, const char *product_id,
	const char *product_name, w3w_amount price, int64_t quantity)
{
	char field[64];
	w3w_status st;
	if (!items)
		return w3w_error_set(W3W_ENOMEM, "items: out of memory");
	snprintf(field, sizeof(field), "items[%zu].product_id", index);
	if ((st = w3wb_set_text(items[index].product_id, sizeof(items[index].product_id), field, product_id)) != W3W_OK)
		return st;
	snprintf(field, sizeof(field), "items[%zu].product_name", index);
	if ((st = w3wb_set_text(items[index].product_name, sizeof(items[index].product_name), field, product_name)) != W3W_OK)
		return st;
	items[index].price = price;
	items[index].quantity = quantity;
	return W3W_OK;
}

static void w3wb_order_items_free(w3w_order_item *items)
{
	free(items);
}

/* Element i of what the library returned (borrowed: valid while its owner lives), NULL past the end. */
static const w3w_order_item *w3wb_order_item_at(const w3w_order *order, size_t i)
{
	return order && i < order->item_count ? &order->items[i] : NULL;
}

static const w3w_order *w3wb_order_page_at(const w3w_order_page *page, size_t i)
{
	return page && i < page->count ? &page->items[i] : NULL;
}

static const w3w_supply *w3wb_supply_page_at(const w3w_supply_page *page, size_t i)
{
	return page && i < page->count ? &page->items[i] : NULL;
}

static const w3w_audit_record *w3wb_audit_page_at(const w3w_audit_page *page, size_t i)
{
	return page && i < page->count ? &page->items[i] : NULL;
}

static const w3w_event *w3wb_event_list_at(const w3w_event_list *list, size_t i)
{
	return list && i < list->count ? &list->items[i] : NULL;
}

static const w3w_account *w3wb_account_at(const w3w_account_list *list, size_t i)
{
	return list && i < list->count ? &list->items[i] : NULL;
}

static const w3w_wallet *w3wb_wallet_at(const w3w_wallets *list, size_t i)
{
	return list && i < list->count ? &list->items[i] : NULL;
}

static const w3w_withdrawal_limit *w3wb_withdrawal_limit_at(const w3w_withdrawal_limits *list, size_t i)
{
	return list && i < list->count ? &list->items[i] : NULL;
}

static const w3w_chain_deposit *w3wb_chain_deposit_at(const w3w_chain_deposits *list, size_t i)
{
	return list && i < list->count ? &list->items[i] : NULL;
}

static const w3w_sweep *w3wb_sweep_at(const w3w_sweeps *list, size_t i)
{
	return list && i < list->count ? &list->items[i] : NULL;
}

static const w3w_sweep_fee_total *w3wb_sweep_fee_total_at(const w3w_sweep_fee_totals *list, size_t i)
{
	return list && i < list->count ? &list->items[i] : NULL;
}

static const w3w_withdrawal_attempt *w3wb_withdrawal_attempt_at(const w3w_withdrawal_attempts *list, size_t i)
{
	return list && i < list->count ? &list->items[i] : NULL;
}
%}

/* Batch requests (w3wallet/batch.h): an array made here, filled element by element (text that does
 * not fit is refused), passed to w3w_*_batch(), freed with w3wb_requests_free(). */
%inline %{
static w3w_claim_request *w3wb_claim_requests_new(size_t count)
{
	return (w3w_claim_request *)calloc(count ? count : 1, sizeof(w3w_claim_request));
}

static w3w_status w3wb_claim_request_set(w3w_claim_request *r, size_t i, const char *order_id, const char *key)
{
	w3w_status st;
	if (!r)
		return w3w_error_set(W3W_ENOMEM, "requests: out of memory");
	if ((st = w3wb_set_text(r[i].order_id, sizeof(r[i].order_id), "order_id", order_id)) != W3W_OK)
		return st;
	return w3wb_set_text(r[i].idempotency_key, sizeof(r[i].idempotency_key), "idempotency_key", key);
}

static w3w_process_request *w3wb_process_requests_new(size_t count)
{
	return (w3w_process_request *)calloc(count ? count : 1, sizeof(w3w_process_request));
}

static w3w_status w3wb_process_request_set(w3w_process_request *r, size_t i, const char *claim_id, const char *key)
{
	w3w_status st;
	if (!r)
		return w3w_error_set(W3W_ENOMEM, "requests: out of memory");
	if ((st = w3wb_set_text(r[i].claim_id, sizeof(r[i].claim_id), "claim_id", claim_id)) != W3W_OK)
		return st;
	return w3wb_set_text(r[i].idempotency_key, sizeof(r[i].idempotency_key), "idempotency_key", key);
}

static w3w_deposit_request *w3wb_deposit_requests_new(size_t count)
{
	return (w3w_deposit_request *)calloc(count ? count : 1, sizeof(w3w_deposit_request));
}

static w3w_status w3wb_deposit_request_set(w3w_deposit_request *r, size_t i, const char *user_id,
	const char *currency, w3w_amount amount, const char *reference, const char *key)
{
	w3w_status st;
	if (!r)
		return w3w_error_set(W3W_ENOMEM, "requests: out of memory");
	if ((st = w3wb_set_text(r[i].user_id, sizeof(r[i].user_id), "user_id", user_id)) != W3W_OK ||
	    (st = w3wb_set_text(r[i].currency, sizeof(r[i].currency), "currency", currency)) != W3W_OK ||
	    (st = w3wb_set_text(r[i].reference, sizeof(r[i].reference), "reference", reference)) != W3W_OK)
		return st;
	r[i].amount = amount;
	return w3wb_set_text(r[i].idempotency_key, sizeof(r[i].idempotency_key), "idempotency_key", key);
}

static w3w_transfer_request *w3wb_transfer_requests_new(size_t count)
{
	return (w3w_transfer_request *)calloc(count ? count : 1, sizeof(w3w_transfer_request));
}

static w3w_status w3wb_transfer_request_set(w3w_transfer_request *r, size_t i, const char *to_user_id,
	const char *currency, w3w_amount amount, const char *key)
{
	w3w_status st;
	if (!r)
		return w3w_error_set(W3W_ENOMEM, "requests: out of memory");
	if ((st = w3wb_set_text(r[i].to_user_id, sizeof(r[i].to_user_id), "to_user_id", to_user_id)) != W3W_OK ||
	    (st = w3wb_set_text(r[i].currency, sizeof(r[i].currency), "currency", currency)) != W3W_OK)
		return st;
	r[i].amount = amount;
	return w3wb_set_text(r[i].idempotency_key, sizeof(r[i].idempotency_key), "idempotency_key", key);
}

static w3w_order_request *w3wb_order_requests_new(size_t count)
{
	return (w3w_order_request *)calloc(count ? count : 1, sizeof(w3w_order_request));
}

/* `items` (from w3wb_order_items_new) stay the caller's: free them after the batch call. */
static w3w_status w3wb_order_request_set(w3w_order_request *r, size_t i, const char *currency,
	const w3w_order_item *items, size_t item_count, const char *key)
{
	w3w_status st;
	if (!r)
		return w3w_error_set(W3W_ENOMEM, "requests: out of memory");
	if ((st = w3wb_set_text(r[i].currency, sizeof(r[i].currency), "currency", currency)) != W3W_OK)
		return st;
	r[i].items = items;
	r[i].item_count = item_count;
	return w3wb_set_text(r[i].idempotency_key, sizeof(r[i].idempotency_key), "idempotency_key", key);
}

static void w3wb_requests_free(void *requests)
{
	free(requests);
}

/* An element's status as a number: a w3w_status member would read as a raised error. */
static int w3wb_batch_result_code(const w3w_batch_result *r)
{
	return r ? r->status : W3W_EINVAL;
}

/* Result i of a batch (borrowed: valid while the results live), NULL past the end. */
static const w3w_batch_result *w3wb_batch_result_at(const w3w_batch_results *res, size_t i)
{
	return res && i < res->count ? &res->items[i] : NULL;
}
%}
