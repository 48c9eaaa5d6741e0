/* libFuzzer: the tree, commit and tag parsers (store/object.c). */
#include <stdint.h>
#include <stdlib.h>

#include "object.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct store_tree_iter it;
	struct store_tree_entry e;
	struct store_commit c;
	struct store_tag t;

	if (size < 1)
		return 0;
	store_object_check(1 + data[0] % 4, data + 1, size - 1);
	store_commit_parse(data + 1, size - 1, &c);
	store_tag_parse(data + 1, size - 1, &t);
	store_tree_iter_init(&it, data + 1, size - 1);
	while (store_tree_next(&it, &e) == 1)
		;
	return 0;
}
