# assistant_hub: PGXS build. `make test` and `make demo` are the two entry points (see README).
EXTENSION   = assistant_hub
EXT_VERSION = 1.0
MODULE_big  = assistant_hub

CXX_SOURCES := $(sort $(wildcard src/*.cpp src/*/*.cpp))
OBJS        = $(CXX_SOURCES:.cpp=.o)

# The install script is assembled from one piece per subsystem, in file-name order.
SQL_PIECES  := $(sort $(wildcard src/sql/*.sql))
DATA_built  = $(EXTENSION)--$(EXT_VERSION).sql
DATA        = $(wildcard src/sql/upgrade/$(EXTENSION)--*--*.sql)

PG_CONFIG  ?= pg_config
PG_CPPFLAGS = -I$(CURDIR)/src -DASSISTANT_HUB_VERSION='"$(EXT_VERSION)"'
PG_CXXFLAGS = -std=c++17 -Wall -Wextra -Werror -Wno-register -Wno-unused-parameter \
              -Wno-missing-field-initializers -fvisibility-inlines-hidden
SHLIB_LINK += -lstdc++

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# PGXS compiles bitcode for JIT inlining with clang and without PG_CXXFLAGS: add them (C++17).
COMPILE.cxx.bc += $(PG_CXXFLAGS)

$(OBJS): $(wildcard src/*.hpp src/*/*.hpp)

$(DATA_built): $(SQL_PIECES)
	cat $^ > $@

EXTRA_CLEAN = build results tmp_check log output_iso regression.diffs regression.out

.PHONY: test demo bench unit format valgrind-check
valgrind-check:
	scripts/valgrind_check.sh
test:
	scripts/test.sh
demo:
	scripts/demo.sh
bench:
	scripts/bench.sh
unit:
	cmake -S . -B build/cmake -DCMAKE_BUILD_TYPE=Debug >/dev/null
	cmake --build build/cmake -j2
	cd build/cmake && ctest --output-on-failure
format:
	clang-format -i $(wildcard src/*.cpp src/*/*.cpp src/*/*.hpp test/unit/*.cpp)
