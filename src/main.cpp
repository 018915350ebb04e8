#include <brigade/cli.hpp>

#include <iostream>

int main(int argc, char** argv) {
  return brigade::run_cli(argc, argv, std::cout, std::cerr);
}
