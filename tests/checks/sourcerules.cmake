# Rules about where code may do certain things, checked over the source tree (cmake -P, run by CTest):
# - core/ reads files only through util/inputfile.cpp (which refuses the open workspace's own files, pipes and
#   devices), and opens no file with the C library or POSIX calls elsewhere;
# - core/ includes no Qt, and only core/engine/ includes libtorch;
# - the GUI (widgets/, app/gui_main.cpp) includes no command implementation from a cli/ folder: logic the GUI and
#   the CLI share lives beside the feature, and commands only parse and print (cli/commandtable.h, the command
#   table's interface, excepted);
# - widgets/ keeps its code in feature folders (shell/, data/, results/, ...), none at its top level;
# - core/engine/CMakeLists.txt compiles nothing outside its folder;
# - SQL lives in stores: only core/workspace/ and files named *store.cpp/.h prepare statements or execute SQL
#   (importers and commands call store methods; a Transaction is not SQL);
# - the GUI opens no QFileDialog through its static functions, only through widgets/shell/filedialogs.cpp.
cmake_minimum_required(VERSION 3.25)
if(NOT SOURCE_DIR)
  message(FATAL_ERROR "run with -DSOURCE_DIR=<the project's source folder>")
endif()

set(violations "")

function(check_files glob pattern allowed why)
  file(GLOB_RECURSE files RELATIVE "${SOURCE_DIR}" "${SOURCE_DIR}/${glob}")
  foreach(file IN LISTS files)
    if(file IN_LIST allowed)
      continue()
    endif()
    file(STRINGS "${SOURCE_DIR}/${file}" hits REGEX "${pattern}")
    foreach(hit IN LISTS hits)
      string(STRIP "${hit}" hit)
      string(APPEND violations "${file}: ${why}: ${hit}\n")
    endforeach()
  endforeach()
  set(violations "${violations}" PARENT_SCOPE)
endfunction()

# safetensors.cpp maps weight files itself after the same checks; benchmarktree.cpp only writes new files;
# runowner.cpp reads /proc/PID/stat, which has no size until read (so readInputFile sees it empty).
set(readers_allowed core/util/inputfile.cpp core/engine/model/safetensors.cpp core/demo/benchmarktree.cpp
    core/runs/runowner.cpp)
# Every header of a cli/ folder but the command table's interface.
file(GLOB_RECURSE cli_headers RELATIVE "${SOURCE_DIR}/core" "${SOURCE_DIR}/core/cli/*.h" "${SOURCE_DIR}/core/engine/cli/*.h")
list(FILTER cli_headers EXCLUDE REGEX "^cli/commandtable\\.h$")
list(JOIN cli_headers "|" command_headers)
string(REPLACE "." "\\." command_headers "${command_headers}")
set(command_headers "#include \"(${command_headers})\"")

foreach(ext cpp h)
  check_files("core/*.${ext}" "std::ifstream|std::fopen|[^a-z_]fopen\\(|[ (]::open\\(" "${readers_allowed}"
              "read input files with readInputFile() (util/inputfile.h)")
  check_files("core/*.${ext}" "#include <Q" "" "core/ is plain C++: no Qt")
  foreach(area core/annotation core/audit core/cli core/data core/demo core/genies core/metrics core/results core/runs
          core/tokenizer core/util core/workspace widgets app)
    check_files("${area}/*.${ext}" "#include <(ATen|torch|c10)/" "" "only core/engine/ compiles against libtorch")
  endforeach()
  check_files("widgets/*.${ext}" "${command_headers}" "" "the GUI calls features, not command implementations")
  check_files("widgets/*.${ext}" "QFileDialog::get" "widgets/shell/filedialogs.cpp" "use FileDialogs (widgets/shell/filedialogs.h)")
  check_files("app/*.${ext}" "QFileDialog::get" "" "use FileDialogs (widgets/shell/filedialogs.h)")
  file(GLOB flat RELATIVE "${SOURCE_DIR}" "${SOURCE_DIR}/widgets/*.${ext}")
  foreach(file IN LISTS flat)
    string(APPEND violations "${file}: widgets/ code lives in a feature folder (shell/, data/, results/, disagreements/, audit/, runs/)\n")
  endforeach()
endforeach()

file(GLOB_RECURSE sql_allowed RELATIVE "${SOURCE_DIR}" "${SOURCE_DIR}/core/workspace/*" "${SOURCE_DIR}/core/*store.cpp"
     "${SOURCE_DIR}/core/*store.h")
foreach(ext cpp h)
  check_files("core/*.${ext}" "Statement[ (]|[.>]exec\\(" "${sql_allowed}" "SQL belongs in a store (a *store.cpp or core/workspace/)")
endforeach()

check_files("app/gui_main.cpp" "${command_headers}" "" "the GUI calls features, not command implementations")
file(STRINGS "${SOURCE_DIR}/core/engine/CMakeLists.txt" outside REGEX "\\.\\./")
foreach(hit IN LISTS outside)
  string(STRIP "${hit}" hit)
  string(APPEND violations "core/engine/CMakeLists.txt: the engine target compiles only files of its folder: ${hit}\n")
endforeach()

if(violations)
  message(FATAL_ERROR "source rules broken:\n${violations}")
endif()
message(STATUS "source rules hold")
