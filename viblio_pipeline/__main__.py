from viblio_pipeline.cli.main import main

main()
