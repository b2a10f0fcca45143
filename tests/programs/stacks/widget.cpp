/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A C++ program: the names in its stacks must come out demangled. */
#include <cstddef>
#include <sys/mman.h>

namespace shapes {
struct Widget {
	__attribute__((noinline)) int grow(std::size_t len);
};

int Widget::grow(std::size_t len)
{
	void *ptr = mmap(nullptr, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	__asm__ volatile("" ::: "memory");
	if (ptr == MAP_FAILED)
		return -1;
	return munmap(ptr, len) == 0 ? 1 : -1;
}
} /* namespace shapes */

template <typename T> __attribute__((noinline)) int make(T *thing)
{
	int res = thing->grow(34567);

	__asm__ volatile("" ::: "memory");
	return res + 1;
}

int main()
{
	shapes::Widget widget;

	return make(&widget) == 2 ? 0 : 1;
}
