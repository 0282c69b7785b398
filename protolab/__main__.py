from protolab.cli.app import main

main()
