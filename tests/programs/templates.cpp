/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Long C++ names in the report's sites (tests/e2e/width.sh).  Vectors of
 * maps grow until operator new asks malloc for more than its mmap
 * threshold, so that each mmap's stack runs through
 *
 *   void std::vector<std::map<std::__cxx11::basic_string<char, ...>,
 *   std::vector<int, std::allocator<int> >, ...> > >::_M_realloc_insert<>
 *
 * some 800 columns of one name.  The vector of int maps grows in a
 * function of its own: its site reads "std::vector<…>::_M_realloc_insert<>"
 * on a terminal.  Those of long and of short maps grow in one function:
 * elided, their two sites would read the same, so each shows whole.
 * argv[1]: how many maps each vector gets (default 10000).  The vectors
 * stay mapped to the exit.
 */
#include <cstddef>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

template <typename T> using index_of = std::vector<std::map<std::string, std::vector<T>>>;

template <typename T>
static inline __attribute__((always_inline)) void grow(index_of<T> &index, int count)
{
	for (int i = 0; i < count; i++)
		index.emplace_back();
}

__attribute__((noinline)) std::size_t fill_the_index_of_ints(index_of<int> &ints, int count)
{
	grow(ints, count);
	__asm__ volatile("" ::: "memory");
	return ints.size();
}

__attribute__((noinline)) std::size_t fill_two_indexes(index_of<long> &longs,
						       index_of<short> &shorts, int count)
{
	grow(longs, count);
	grow(shorts, count);
	__asm__ volatile("" ::: "memory");
	return longs.size() + shorts.size();
}

int main(int argc, char **argv)
{
	int count = argc > 1 ? std::atoi(argv[1]) : 10000;
	index_of<int> ints;
	index_of<long> longs;
	index_of<short> shorts;
	std::size_t made =
		fill_the_index_of_ints(ints, count) + fill_two_indexes(longs, shorts, count);

	/* No destructors: the vectors stay mapped to the end, in the report's table. */
	std::_Exit(made == 3 * static_cast<std::size_t>(count) ? 0 : 1);
}
