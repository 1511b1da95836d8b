// proctorctl: small admin helpers for people trying proctord out.
//
//   proctorctl token --sub user123 --name "John Doe" [--role R]
//                    (--secret S | --secret-file F | $JWT_SECRET)
//                    [--ttl SECONDS] [--issuer I] [--audience A]
//   proctorctl secret            prints a fresh random secret

#include "protocol/token.hpp"

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <string>

namespace {

int usage(int rc) {
  (rc == 0 ? std::cout : std::cerr)
    << "usage:\n"
       "  proctorctl token --sub USER_ID --name NAME [--role ROLE]\n"
       "                   (--secret S | --secret-file FILE | env JWT_SECRET)\n"
       "                   [--ttl SECONDS (default 86400)] [--issuer I] "
       "[--audience A]\n"
       "  proctorctl secret\n";
  return rc;
}

int token(int argc, char** argv) {
  std::map<std::string, std::string> args;
  for (int i = 2; i < argc; ++i) {
    std::string key = argv[i];
    if (key == "--help")
      return usage(0);
    if (key.rfind("--", 0) != 0 || i + 1 >= argc) {
      std::cerr << "proctorctl: unexpected argument '" << key << "'\n";
      return usage(2);
    }
    args[key.substr(2)] = argv[++i];
  }
  for (auto& [k, v] : args)
    if (k != "sub" && k != "name" && k != "role" && k != "secret"
        && k != "secret-file" && k != "ttl" && k != "issuer" && k != "audience") {
      std::cerr << "proctorctl: unknown option --" << k << '\n';
      return usage(2);
    }
  proctord::protocol::token_config cfg;
  if (args.count("secret")) {
    cfg.secret = args["secret"];
  } else if (args.count("secret-file")) {
    std::ifstream in{args["secret-file"]};
    std::getline(in, cfg.secret);
    if (!in && cfg.secret.empty()) {
      std::cerr << "proctorctl: cannot read " << args["secret-file"] << '\n';
      return 1;
    }
  } else if (auto env = std::getenv("JWT_SECRET")) {
    cfg.secret = env;
  }
  if (cfg.secret.empty() || args["sub"].empty()) {
    std::cerr << "proctorctl: --sub and a secret are required\n";
    return usage(2);
  }
  cfg.issuer = args["issuer"];
  cfg.audience = args["audience"];
  long ttl = 86400;
  if (args.count("ttl")) {
    try {
      ttl = std::stol(args["ttl"]);
    } catch (const std::exception&) {
      ttl = 0;
    }
    if (ttl <= 0) {
      std::cerr << "proctorctl: --ttl takes a positive number of seconds\n";
      return 2;
    }
  }
  proctord::protocol::identity who{args["sub"], args["name"], args["role"]};
  if (who.name.empty())
    who.name = who.user_id;
  std::cout << proctord::protocol::mint_token(who, cfg, std::chrono::seconds{ttl})
            << '\n';
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 2)
    return usage(2);
  std::string cmd = argv[1];
  if (cmd == "token")
    return token(argc, argv);
  if (cmd == "secret") {
    std::cout << proctord::protocol::random_secret() << '\n';
    return 0;
  }
  if (cmd == "--help" || cmd == "help")
    return usage(0);
  std::cerr << "proctorctl: unknown command '" << cmd << "'\n";
  return usage(2);
}
