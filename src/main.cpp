#include <brigade/cli.hpp>
#include <brigade/fd_budget.hpp>

#include <iostream>

int main(int argc, char** argv) {
  brigade::raise_open_file_limit();
  return brigade::run_cli(argc, argv, std::cout, std::cerr);
}
