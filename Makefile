# Two commands set up everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DB     ?= data/demo.duckdb

.PHONY: install demo test lint bench eval clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## make demo: venv + install, generate the demo warehouse if missing, show the catalog, live queries and
## questions, run the demo alert rules, then start the bot: web chat at http://127.0.0.1:8080/ + scheduler
demo: install
	@test -f $(DB) || $(BIN)/opsbot demo-data --out $(DB)
	$(BIN)/opsbot metrics validate --db $(DB)
	$(BIN)/opsbot forecast refresh --db $(DB)
	$(BIN)/opsbot metrics list
	$(BIN)/opsbot query --db $(DB) -m gmv -m orders -m aov -m refund_rate --by channel --from $$($(BIN)/python -c "import datetime as d;print(d.date.today()-d.timedelta(days=8))")
	$(BIN)/opsbot query --db $(DB) -m gmv -m buyers --by date --grain week --limit 8 --order date:desc
	$(BIN)/opsbot query --db $(DB) -m available -m days_of_cover --by sku --having 'days_of_cover<3' --order days_of_cover:asc --limit 10
	$(BIN)/opsbot query --db $(DB) -m gmv -m gross_margin --by category --compare yoy
	$(BIN)/opsbot ask --db $(DB) "上周各渠道的GMV是多少？"
	$(BIN)/opsbot ask --db $(DB) "which SKUs have less than 3 days of cover right now?"
	$(BIN)/opsbot ask --db $(DB) "本月GMV跟去年同期比怎么样？"
	$(BIN)/opsbot ask --db $(DB) "下周哪些SKU会断货？"
	$(BIN)/opsbot ask --db $(DB) "按仓库看未来7天会断货的SKU"
	$(BIN)/opsbot alerts run --db $(DB)
	$(BIN)/opsbot tickets list --status open
	$(BIN)/opsbot serve --db $(DB)

## make test: venv + install, then the whole suite (architecture contract and lint included)
test: install
	bash tests/setup_system.sh
	$(BIN)/python -m pytest -q -n 2

## make lint: ruff, mypy (strict) and the import-linter contract of DESIGN.md
lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

## make bench: the speed targets, printed as figures and ratios
bench: install
	$(BIN)/python bench/run_all.py

## make eval: the NLQ question sets (own + public) on the small test warehouse, per construct and language
eval: install
	$(BIN)/python bench/eval_report.py eval/questions.yaml ../shared/eval/questions.yaml ../shared/eval/questions-more.yaml --wrong

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
