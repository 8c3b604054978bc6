// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The capture-filter language. Grammar (as in pcap-filter(7): "not" binds
 * tightest, "and" and "or" have equal precedence and group left to right;
 * parentheses override):
 *
 *   expr      := unary { ("and" | "&&" | "or" | "||") unary }
 *   unary     := ("not" | "!") unary | "(" expr ")" | primitive
 *   primitive := "path" PATH | "prefix" PREFIX | "abstract" [NAME]
 *              | "pid" N | "uid" N | "comm" NAME | "inode" N
 *              | "cgroup" PATH | "container" ID | "netns" N
 *              | "type" ("stream" | "dgram" | "seqpacket")
 *              | "stream" | "dgram" | "seqpacket"
 *
 * The expression is brought to negation normal form and must then be a
 * conjunction that the BPF programs can apply: each conjunct is a single
 * condition (pid, uid, comm and type may be negated; inode, cgroup,
 * container, netns and the path kinds may not), or an "or" of path conditions (at most one such group:
 * the kernel ORs every path condition together), or an "or" of type
 * conditions. Anything else is refused with a message saying why.
 */
#include "filter.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "options.h"
#include "values.h"

#define TYPE_ALL ((1u << 1) | (1u << 2) | (1u << 5))

enum tok_kind { T_END, T_WORD, T_QUOTED, T_LP, T_RP, T_NOT, T_AND, T_OR };

struct token {
	enum tok_kind kind;
	char *text; /* T_WORD, T_QUOTED */
};

enum prim { P_PATH, P_PREFIX, P_ABSTRACT, P_PID, P_UID, P_COMM, P_INODE, P_TYPE, P_CGROUP,
	    P_CONTAINER, P_NETNS };

static const char *const prim_names[] = {
	[P_PATH] = "path", [P_PREFIX] = "prefix", [P_ABSTRACT] = "abstract", [P_PID] = "pid",
	[P_UID] = "uid",   [P_COMM] = "comm",     [P_INODE] = "inode",       [P_TYPE] = "type",
	[P_CGROUP] = "cgroup", [P_CONTAINER] = "container", [P_NETNS] = "netns",
};

enum node_op { N_AND, N_OR, N_NOT, N_PRIM };

struct node {
	enum node_op op;
	struct node *a, *b;
	enum prim prim;
	bool neg;    /* after normalisation */
	char *value; /* NULL for a bare "abstract" */
	uint64_t num;
};

struct parser {
	struct token *toks;
	size_t n, pos;
	char *err;
	size_t errlen;
	bool failed;
	/* every allocation, freed at the end (values that end up in the
	 * capture options are copied out first) */
	void **allocs;
	size_t n_allocs, cap_allocs;
};

static void *p_alloc(struct parser *p, size_t n)
{
	void *m = calloc(1, n ? n : 1);

	if (!m) {
		fprintf(stderr, "udsdump: out of memory\n");
		exit(1);
	}
	if (p->n_allocs == p->cap_allocs) {
		size_t nc = p->cap_allocs ? p->cap_allocs * 2 : 32;
		void **na = realloc(p->allocs, nc * sizeof(*na));
		if (!na) {
			fprintf(stderr, "udsdump: out of memory\n");
			exit(1);
		}
		p->allocs = na;
		p->cap_allocs = nc;
	}
	p->allocs[p->n_allocs++] = m;
	return m;
}

static void p_free_all(struct parser *p)
{
	for (size_t i = 0; i < p->n_allocs; i++)
		free(p->allocs[i]);
	free(p->allocs);
	free(p->toks);
}

static bool p_fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	if (p->failed)
		return false;
	p->failed = true;
	va_start(ap, fmt);
	vsnprintf(p->err, p->errlen, fmt, ap);
	va_end(ap);
	/* one line, even when it quotes a value holding control characters */
	for (char *c = p->err; p->errlen && *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	return false;
}

/* ---- tokens ------------------------------------------------------------ */

static bool push_token(struct parser *p, enum tok_kind kind, char *text)
{
	if (p->n % 16 == 0) {
		struct token *nt = realloc(p->toks, (p->n + 17) * sizeof(*nt));
		if (!nt) {
			fprintf(stderr, "udsdump: out of memory\n");
			exit(1);
		}
		p->toks = nt;
	}
	p->toks[p->n].kind = kind;
	p->toks[p->n].text = text;
	p->n++;
	return true;
}

static bool tokenize(struct parser *p, const char *s)
{
	while (*s) {
		if (isspace((unsigned char)*s)) {
			s++;
		} else if (*s == '(') {
			push_token(p, T_LP, NULL);
			s++;
		} else if (*s == ')') {
			push_token(p, T_RP, NULL);
			s++;
		} else if (*s == '!') {
			push_token(p, T_NOT, NULL);
			s++;
		} else if (s[0] == '&' && s[1] == '&') {
			push_token(p, T_AND, NULL);
			s += 2;
		} else if (s[0] == '|' && s[1] == '|') {
			push_token(p, T_OR, NULL);
			s += 2;
		} else if (*s == '"' || *s == '\'') {
			char q = *s++;
			char *out = p_alloc(p, strlen(s) + 1);
			size_t n = 0;
			while (*s && *s != q) {
				if (*s == '\\' && q == '"' && s[1])
					s++;
				out[n++] = *s++;
			}
			if (*s != q)
				return p_fail(p, "unterminated quoted string (missing %c)", q);
			s++;
			push_token(p, T_QUOTED, out);
		} else {
			const char *start = s;
			while (*s && !isspace((unsigned char)*s) && *s != '(' && *s != ')' && *s != '"' &&
			       *s != '\'' && !(s[0] == '&' && s[1] == '&') && !(s[0] == '|' && s[1] == '|'))
				s++;
			char *w = p_alloc(p, (size_t)(s - start) + 1);
			memcpy(w, start, (size_t)(s - start));
			if (!strcasecmp(w, "and"))
				push_token(p, T_AND, NULL);
			else if (!strcasecmp(w, "or"))
				push_token(p, T_OR, NULL);
			else if (!strcasecmp(w, "not"))
				push_token(p, T_NOT, NULL);
			else
				push_token(p, T_WORD, w);
		}
	}
	push_token(p, T_END, NULL);
	return true;
}

static const char *tok_desc(const struct token *t)
{
	switch (t->kind) {
	case T_END:
		return "the end";
	case T_WORD:
	case T_QUOTED:
		return t->text;
	case T_LP:
		return "(";
	case T_RP:
		return ")";
	case T_NOT:
		return "not";
	case T_AND:
		return "and";
	case T_OR:
		return "or";
	}
	return "?";
}

/* ---- parsing ----------------------------------------------------------- */

static struct node *new_node(struct parser *p, enum node_op op, struct node *a, struct node *b)
{
	struct node *n = p_alloc(p, sizeof(*n));
	n->op = op;
	n->a = a;
	n->b = b;
	return n;
}

static struct token *peek(struct parser *p)
{
	return &p->toks[p->pos];
}

static bool is_primitive_word(const struct token *t)
{
	static const char *const words[] = { "path",  "prefix", "path-prefix", "abstract", "pid",
					     "uid",   "comm",   "inode",       "type",     "stream",
					     "dgram", "seqpacket", "cgroup", "container", "netns" };
	if (t->kind != T_WORD)
		return false;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strcasecmp(t->text, words[i]))
			return true;
	return false;
}

/* A socket type given as a bare keyword ("stream", not "1"). */
static uint32_t type_keyword(const char *s)
{
	return isdigit((unsigned char)*s) ? 0 : parse_sock_type(s);
}

static const char *type_to_name(uint32_t t)
{
	const char *n = sock_type_name(t);
	return n ? n : "?";
}

static struct node *parse_expr(struct parser *p);

static const char *take_value(struct parser *p, const char *kw, const char *what)
{
	struct token *t = peek(p);

	if (t->kind != T_WORD && t->kind != T_QUOTED) {
		p_fail(p, "'%s' needs %s, found %s%s%s", kw, what, t->kind == T_END ? "" : "'",
		       tok_desc(t), t->kind == T_END ? "" : "'");
		return NULL;
	}
	p->pos++;
	return t->text;
}

static struct node *parse_primitive(struct parser *p)
{
	struct token *t = peek(p);
	struct node *n;
	const char *kw, *v;
	uint64_t num;

	if (t->kind != T_WORD) {
		if (t->kind == T_QUOTED)
			p_fail(p, "expected a condition such as 'path %s', found a quoted string", t->text);
		else
			p_fail(p, "expected a condition (path, prefix, abstract, pid, uid, comm, type, inode), "
				  "found %s%s%s",
			       t->kind == T_END ? "" : "'", tok_desc(t), t->kind == T_END ? "" : "'");
		return NULL;
	}
	kw = t->text;
	p->pos++;
	n = new_node(p, N_PRIM, NULL, NULL);
	if (!strcasecmp(kw, "path")) {
		n->prim = P_PATH;
		if (!(v = take_value(p, "path", "a socket path (/path or @abstract)")))
			return NULL;
		n->value = (char *)v;
	} else if (!strcasecmp(kw, "prefix") || !strcasecmp(kw, "path-prefix")) {
		n->prim = P_PREFIX;
		if (!(v = take_value(p, "prefix", "a path prefix")))
			return NULL;
		n->value = (char *)v;
	} else if (!strcasecmp(kw, "abstract")) {
		n->prim = P_ABSTRACT;
		t = peek(p);
		/* "abstract NAME": an abstract name; alone: any abstract name */
		if (t->kind == T_QUOTED || (t->kind == T_WORD && !is_primitive_word(t))) {
			p->pos++;
			if (!*t->text)
				return p_fail(p, "'abstract' needs a name (or nothing, for any abstract name)"),
				       NULL;
			n->value = t->text;
		}
	} else if (!strcasecmp(kw, "pid") || !strcasecmp(kw, "uid") || !strcasecmp(kw, "inode")) {
		bool pid = !strcasecmp(kw, "pid"), uid = !strcasecmp(kw, "uid");
		n->prim = pid ? P_PID : uid ? P_UID : P_INODE;
		if (!(v = take_value(p, prim_names[n->prim], "a number")))
			return NULL;
		uint64_t max = pid ? 0x3fffffff : uid ? UINT32_MAX - 1 : UINT64_MAX;
		if (!parse_u64_value(v, max, &num) || (num == 0 && !uid))
			return p_fail(p, "bad %s '%s' (%s)", prim_names[n->prim], v,
				      pid ? "a process id, 1 to 1073741823" :
				      uid ? "a numeric user id" :
					    "a socket inode number, as ss -x shows"),
			       NULL;
		n->num = num;
	} else if (!strcasecmp(kw, "comm")) {
		n->prim = P_COMM;
		if (!(v = take_value(p, "comm", "a command name")))
			return NULL;
		if (!*v || strlen(v) >= UDS_COMM_LEN)
			return p_fail(p, "bad comm '%s' (a command name of 1 to 15 bytes, as ps -o comm shows)",
				      v),
			       NULL;
		n->value = (char *)v;
	} else if (!strcasecmp(kw, "cgroup") || !strcasecmp(kw, "container")) {
		bool cg = !strcasecmp(kw, "cgroup");
		n->prim = cg ? P_CGROUP : P_CONTAINER;
		if (!(v = take_value(p, prim_names[n->prim], cg ? "a cgroup path" : "a container id")))
			return NULL;
		if (cg ? v[0] != '/' : !parse_container_id(v))
			return p_fail(p, "bad %s '%s' (%s)", prim_names[n->prim], v,
				      cg ? "a path from the cgroup2 root, as /proc/PID/cgroup shows it" :
					   "1 to 64 lowercase hex digits"),
			       NULL;
		n->value = (char *)v;
	} else if (!strcasecmp(kw, "netns")) {
		uint32_t ns;
		n->prim = P_NETNS;
		if (!(v = take_value(p, "netns", "a network namespace")))
			return NULL;
		if (!parse_netns(v, &ns))
			return p_fail(p, "bad netns '%s' (its inode number, or net:[N])", v), NULL;
		n->num = ns;
	} else if (!strcasecmp(kw, "type")) {
		n->prim = P_TYPE;
		if (!(v = take_value(p, "type", "stream, dgram or seqpacket")))
			return NULL;
		n->num = parse_sock_type(v);
		if (!n->num)
			return p_fail(p, "bad socket type '%s' (stream, dgram or seqpacket)", v), NULL;
	} else if (type_keyword(kw)) {
		n->prim = P_TYPE;
		n->num = type_keyword(kw);
	} else {
		return p_fail(p,
			      "unknown condition '%s' (expected path, prefix, abstract, pid, uid, comm, type "
			      "or inode)",
			      kw),
		       NULL;
	}
	return n;
}

static struct node *parse_unary(struct parser *p)
{
	struct token *t = peek(p);

	if (t->kind == T_NOT) {
		p->pos++;
		struct node *c = parse_unary(p);
		return c ? new_node(p, N_NOT, c, NULL) : NULL;
	}
	if (t->kind == T_LP) {
		p->pos++;
		struct node *e = parse_expr(p);
		if (!e)
			return NULL;
		if (peek(p)->kind != T_RP)
			return p_fail(p, "missing ')' before %s%s%s", peek(p)->kind == T_END ? "" : "'",
				      tok_desc(peek(p)), peek(p)->kind == T_END ? "" : "'"),
			       NULL;
		p->pos++;
		return e;
	}
	return parse_primitive(p);
}

static struct node *parse_expr(struct parser *p)
{
	struct node *left = parse_unary(p);

	while (left) {
		struct token *t = peek(p);
		if (t->kind != T_AND && t->kind != T_OR)
			break;
		p->pos++;
		struct node *right = parse_unary(p);
		if (!right)
			return NULL;
		left = new_node(p, t->kind == T_AND ? N_AND : N_OR, left, right);
	}
	return left;
}

/* ---- normalisation ----------------------------------------------------- */

static struct node *nnf(struct parser *p, const struct node *n, bool neg)
{
	struct node *r;

	switch (n->op) {
	case N_NOT:
		return nnf(p, n->a, !neg);
	case N_AND:
	case N_OR: {
		enum node_op op = n->op;
		if (neg)
			op = op == N_AND ? N_OR : N_AND;
		return new_node(p, op, nnf(p, n->a, neg), nnf(p, n->b, neg));
	}
	case N_PRIM:
		r = new_node(p, N_PRIM, NULL, NULL);
		*r = *n;
		r->neg = neg;
		return r;
	}
	return NULL;
}

static void render(const struct node *n, char *out, size_t cap)
{
	size_t len = strlen(out);

	if (len + 1 >= cap)
		return;
	switch (n->op) {
	case N_PRIM:
		if (n->prim == P_TYPE)
			snprintf(out + len, cap - len, "%stype %s", n->neg ? "not " : "",
				 type_to_name((uint32_t)n->num));
		else if (n->value)
			snprintf(out + len, cap - len, "%s%s %s", n->neg ? "not " : "", prim_names[n->prim],
				 n->value);
		else if (n->prim == P_ABSTRACT)
			snprintf(out + len, cap - len, "%sabstract", n->neg ? "not " : "");
		else
			snprintf(out + len, cap - len, "%s%s %llu", n->neg ? "not " : "", prim_names[n->prim],
				 (unsigned long long)n->num);
		break;
	case N_AND:
	case N_OR:
		snprintf(out + len, cap - len, "(");
		render(n->a, out, cap);
		len = strlen(out);
		snprintf(out + len, cap - len, n->op == N_AND ? " and " : " or ");
		render(n->b, out, cap);
		len = strlen(out);
		snprintf(out + len, cap - len, ")");
		break;
	case N_NOT:
		snprintf(out + len, cap - len, "not ");
		render(n->a, out, cap);
		break;
	}
}

static void collect(struct node *n, enum node_op op, struct node **out, size_t *cnt, size_t cap)
{
	if (n->op == op) {
		collect(n->a, op, out, cnt, cap);
		collect(n->b, op, out, cnt, cap);
	} else if (*cnt < cap) {
		out[(*cnt)++] = n;
	}
}

static bool is_path_kind(enum prim k)
{
	return k == P_PATH || k == P_PREFIX || k == P_ABSTRACT;
}

static char *dup_string(const char *s)
{
	char *d = strdup(s);
	if (!d) {
		fprintf(stderr, "udsdump: out of memory\n");
		exit(1);
	}
	return d;
}

/* Add one positive path-kind condition to the path group. */
static bool add_path_literal(struct parser *p, const struct node *l, struct capture_options *o)
{
	char *v;

	if (l->prim == P_ABSTRACT && !l->value) {
		o->any_abstract = true;
		return true;
	}
	if (l->prim == P_ABSTRACT) {
		v = malloc(strlen(l->value) + 2);
		if (!v) {
			fprintf(stderr, "udsdump: out of memory\n");
			exit(1);
		}
		v[0] = '@';
		strcpy(v + 1, l->value);
	} else {
		v = dup_string(l->value);
	}
	enum path_error e = add_path_option(o, v, l->prim == P_PREFIX);
	if (e == PATH_OK)
		return true;
	if (e == PATH_TOO_MANY)
		p_fail(p, "too many %s conditions (at most %d)", l->prim == P_PREFIX ? "prefix" : "path",
		       l->prim == P_PREFIX ? UDS_MAX_PREFIX_FILTERS : UDS_MAX_PATH_FILTERS);
	else if (e == PATH_EMPTY)
		p_fail(p, "empty socket path in '%s'", prim_names[l->prim]);
	else
		p_fail(p, "%s: %s", path_error_text(e), v);
	free(v); /* not stored */
	return false;
}

/* pid or uid: one wanted value, or up to UDS_MAX_NOT_IDS refused ones. */
static bool apply_id(struct parser *p, const struct node *l, const char *desc, bool *has, uint32_t *val,
		     uint32_t *nots, int *n_nots)
{
	const char *kw = prim_names[l->prim];

	if (l->neg) {
		for (int i = 0; i < *n_nots; i++)
			if (nots[i] == l->num)
				return true;
		if (*n_nots >= UDS_MAX_NOT_IDS)
			return p_fail(p, "too many 'not %s' conditions (at most %d)", kw, UDS_MAX_NOT_IDS);
		nots[(*n_nots)++] = (uint32_t)l->num;
		return true;
	}
	if (*has && *val != l->num)
		return p_fail(p, "'%s %u' and '%s' can never both match", kw, *val, desc);
	*has = true;
	*val = (uint32_t)l->num;
	return true;
}

/* cgroup, container, netns: one wanted value each, never negated. */
static bool apply_container_literal(struct parser *p, const struct node *l, struct capture_options *o,
				    const char *desc)
{
	if (l->neg)
		return p_fail(p, "'%s' cannot be applied in the kernel (only pid, uid, comm and type can "
				 "be negated)",
			      desc);
	if (l->prim == P_NETNS) {
		if (o->netns && o->netns != l->num)
			return p_fail(p, "'netns %u' and '%s' can never both match", o->netns, desc);
		o->netns = (uint32_t)l->num;
	} else if (l->prim == P_CGROUP) {
		if (o->cgroup && strcmp(o->cgroup, l->value))
			return p_fail(p, "one cgroup only: 'cgroup %s' and '%s'", o->cgroup, desc);
		if (!o->cgroup) /* the same cgroup twice is stored once */
			o->cgroup = dup_string(l->value);
	} else {
		if (o->container[0] && strcmp(o->container, l->value))
			return p_fail(p, "one container only: 'container %s' and '%s'", o->container, desc);
		snprintf(o->container, sizeof(o->container), "%s", l->value);
	}
	return true;
}

static bool apply_literal(struct parser *p, const struct node *l, struct capture_options *o)
{
	char desc[160] = "";

	render(l, desc, sizeof(desc));
	switch (l->prim) {
	case P_PATH:
	case P_PREFIX:
	case P_ABSTRACT:
		/* handled by the caller (the path group) */
		return p_fail(p, "internal error: path literal");
	case P_PID:
		return apply_id(p, l, desc, &o->has_pid, &o->pid, o->not_pids, &o->n_not_pids);
	case P_UID:
		return apply_id(p, l, desc, &o->has_uid, &o->uid, o->not_uids, &o->n_not_uids);
	case P_COMM:
		if (l->neg) {
			for (int i = 0; i < o->n_not_comms; i++)
				if (!strncmp(o->not_comms[i], l->value, UDS_COMM_LEN))
					return true;
			if (o->n_not_comms >= UDS_MAX_NOT_COMMS)
				return p_fail(p, "too many 'not comm' conditions (at most %d)", UDS_MAX_NOT_COMMS);
			memset(o->not_comms[o->n_not_comms], 0, UDS_COMM_LEN);
			memcpy(o->not_comms[o->n_not_comms], l->value, strlen(l->value));
			o->n_not_comms++;
		} else {
			if (o->has_comm && strncmp(o->comm, l->value, UDS_COMM_LEN))
				return p_fail(p, "'comm %s' and '%s' can never both match", o->comm, desc);
			o->has_comm = true;
			memset(o->comm, 0, sizeof(o->comm));
			memcpy(o->comm, l->value, strlen(l->value));
		}
		return true;
	case P_INODE:
		if (l->neg)
			return p_fail(p, "'%s' cannot be applied in the kernel (only pid, uid, comm and type can "
					 "be negated)",
				      desc);
		if (o->inode && o->inode != l->num)
			return p_fail(p, "'inode %llu' and '%s' can never both match",
				      (unsigned long long)o->inode, desc);
		o->inode = l->num;
		return true;
	case P_TYPE:
		/* handled by the caller */
		return p_fail(p, "internal error: type literal");
	case P_CGROUP:
	case P_CONTAINER:
	case P_NETNS:
		return apply_container_literal(p, l, o, desc);
	}
	return p_fail(p, "internal error");
}

static bool restrict_types(struct parser *p, uint32_t mask, struct capture_options *o, const char *desc)
{
	uint32_t cur = o->type_mask ? o->type_mask : TYPE_ALL;

	cur &= mask;
	if (o->sock_type)
		cur &= 1u << o->sock_type;
	if (!cur)
		return p_fail(p, "'%s' can never match together with the other type conditions", desc);
	o->type_mask = cur;
	return true;
}

static bool apply_tree(struct parser *p, struct node *root, struct capture_options *o)
{
	struct node *clauses[256], *lits[256];
	size_t nc = 0;
	bool path_group = o->n_paths || o->n_prefixes || o->any_abstract;
	bool path_from_options = path_group;
	char desc[400];

	collect(root, N_AND, clauses, &nc, 256);
	if (nc >= 256)
		return p_fail(p, "capture filter too long");
	for (size_t i = 0; i < nc; i++) {
		struct node *c = clauses[i];
		size_t nl = 0;

		collect(c, N_OR, lits, &nl, 256);
		if (nl >= 256)
			return p_fail(p, "capture filter too long");
		desc[0] = 0;
		render(c, desc, sizeof(desc));
		if (desc[0] == '(' && c->op != N_PRIM) {
			size_t dl = strlen(desc);
			memmove(desc, desc + 1, dl);
			desc[dl - 2] = 0;
		}
		bool all_path = true, all_type = true;
		for (size_t j = 0; j < nl; j++) {
			if (lits[j]->op != N_PRIM)
				return p_fail(p,
					      "'%s' cannot be applied in the kernel: 'or' may only join path, prefix "
					      "and abstract conditions, or type conditions",
					      desc);
			if (!is_path_kind(lits[j]->prim) || lits[j]->neg)
				all_path = false;
			if (lits[j]->prim != P_TYPE)
				all_type = false;
		}
		if (nl == 1 && is_path_kind(lits[0]->prim) && lits[0]->neg)
			return p_fail(p, "'%s' cannot be applied in the kernel (only pid, uid, comm and type can "
					 "be negated)",
				      desc);
		if (all_type) {
			uint32_t mask = 0;
			for (size_t j = 0; j < nl; j++) {
				uint32_t bit = 1u << lits[j]->num;
				mask |= lits[j]->neg ? (TYPE_ALL & ~bit) : bit;
			}
			if (!restrict_types(p, mask, o, desc))
				return false;
		} else if (all_path) {
			if (path_group)
				return p_fail(p, path_from_options ?
						      "'%s' cannot be combined with the --path/--path-prefix options: the kernel "
						      "joins path conditions with 'or'; put them all in the filter" :
						      "'%s' cannot be applied in the kernel: path, prefix and abstract conditions "
						      "can only be joined with 'or' (one group per filter)",
					      desc);
			path_group = true;
			for (size_t j = 0; j < nl; j++)
				if (!add_path_literal(p, lits[j], o))
					return false;
		} else if (nl == 1) {
			if (!apply_literal(p, lits[0], o))
				return false;
		} else {
			return p_fail(p,
				      "'%s' cannot be applied in the kernel: 'or' may only join path, prefix and "
				      "abstract conditions, or type conditions",
				      desc);
		}
	}
	return true;
}

bool filter_apply(const char *expr, struct capture_options *o, char *err, size_t errlen)
{
	struct parser p = { .err = err, .errlen = errlen };
	bool ok = false;

	if (errlen)
		err[0] = 0;
	if (!expr)
		return true;
	if (!tokenize(&p, expr))
		goto out;
	if (p.toks[0].kind == T_END) {
		ok = true; /* blank: capture everything */
		goto out;
	}
	struct node *root = parse_expr(&p);
	if (!root)
		goto out;
	if (peek(&p)->kind != T_END) {
		struct token *t = peek(&p);
		if (t->kind == T_RP)
			p_fail(&p, "unbalanced ')'");
		else
			p_fail(&p, "expected 'and' or 'or' before '%s'", tok_desc(t));
		goto out;
	}
	ok = apply_tree(&p, nnf(&p, root, false), o);
	if (ok)
		o->filter = expr;
out:
	p_free_all(&p);
	return ok && !p.failed;
}

/* ---- describing -------------------------------------------------------- */

static void append(char *out, size_t cap, bool *first, const char *fmt, ...)
{
	size_t len = strlen(out);
	va_list ap;

	if (len + 1 >= cap)
		return;
	if (!*first) {
		snprintf(out + len, cap - len, " and ");
		len = strlen(out);
	}
	*first = false;
	va_start(ap, fmt);
	vsnprintf(out + len, cap - len, fmt, ap);
	va_end(ap);
}

static void quote_value(const char *v, char *out, size_t cap)
{
	bool plain = *v != 0;

	for (const char *s = v; *s; s++)
		if (isspace((unsigned char)*s) || strchr("()\"'!&|\\", *s))
			plain = false;
	/* a value spelled like an operator must stay a value */
	if (!strcasecmp(v, "and") || !strcasecmp(v, "or") || !strcasecmp(v, "not"))
		plain = false;
	if (plain) {
		snprintf(out, cap, "%s", v);
		return;
	}
	size_t n = 0;
	if (cap < 3) {
		if (cap)
			out[0] = 0;
		return;
	}
	out[n++] = '"';
	for (const char *s = v; *s && n + 3 < cap; s++) {
		if (*s == '"' || *s == '\\')
			out[n++] = '\\';
		out[n++] = *s;
	}
	out[n++] = '"';
	out[n] = 0;
}

void filter_describe(const struct capture_options *o, char *out, size_t outlen)
{
	bool first = true;
	char q[UDS_ADDR_MAX * 2 + 8];

	if (!outlen)
		return;
	out[0] = 0;
	if (o->has_pid)
		append(out, outlen, &first, "pid %u", o->pid);
	for (int i = 0; i < o->n_not_pids; i++)
		append(out, outlen, &first, "not pid %u", o->not_pids[i]);
	if (o->has_uid)
		append(out, outlen, &first, "uid %u", o->uid);
	for (int i = 0; i < o->n_not_uids; i++)
		append(out, outlen, &first, "not uid %u", o->not_uids[i]);
	if (o->has_comm) {
		quote_value(o->comm, q, sizeof(q));
		append(out, outlen, &first, "comm %s", q);
	}
	for (int i = 0; i < o->n_not_comms; i++) {
		char c[UDS_COMM_LEN + 1] = { 0 };
		memcpy(c, o->not_comms[i], UDS_COMM_LEN);
		quote_value(c, q, sizeof(q));
		append(out, outlen, &first, "not comm %s", q);
	}
	if (o->sock_type)
		append(out, outlen, &first, "type %s", type_to_name(o->sock_type));
	if (o->type_mask && o->type_mask != TYPE_ALL) {
		uint32_t types[] = { 1, 2, 5 };
		int n = 0;
		char buf[64] = "";
		for (int i = 0; i < 3; i++) {
			if (!(o->type_mask & (1u << types[i])))
				continue;
			size_t len = strlen(buf);
			snprintf(buf + len, sizeof(buf) - len, "%stype %s", n++ ? " or " : "",
				 type_to_name(types[i]));
		}
		append(out, outlen, &first, n > 1 ? "(%s)" : "%s", buf);
	}
	if (o->inode)
		append(out, outlen, &first, "inode %llu", (unsigned long long)o->inode);
	if (o->cgroup) {
		quote_value(o->cgroup, q, sizeof(q));
		append(out, outlen, &first, "cgroup %s", q);
	}
	if (o->container[0])
		append(out, outlen, &first, "container %s", o->container);
	if (o->netns)
		append(out, outlen, &first, "netns %u", o->netns);
	int n_path = o->n_paths + o->n_prefixes + (o->any_abstract ? 1 : 0);
	if (n_path) {
		char buf[2048] = "";
		for (int i = 0; i < o->n_paths; i++) {
			size_t len = strlen(buf);
			quote_value(o->paths[i], q, sizeof(q));
			snprintf(buf + len, sizeof(buf) - len, "%spath %s", len ? " or " : "", q);
		}
		for (int i = 0; i < o->n_prefixes; i++) {
			size_t len = strlen(buf);
			quote_value(o->prefixes[i], q, sizeof(q));
			snprintf(buf + len, sizeof(buf) - len, "%sprefix %s", len ? " or " : "", q);
		}
		if (o->any_abstract) {
			size_t len = strlen(buf);
			snprintf(buf + len, sizeof(buf) - len, "%sabstract", len ? " or " : "");
		}
		append(out, outlen, &first, n_path > 1 && !first ? "(%s)" : "%s", buf);
	}
}
