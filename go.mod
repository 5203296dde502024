module github.com/openchs/openchs-ai

go 1.26
