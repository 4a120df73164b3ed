from matome_crawl.cli import main

main()
